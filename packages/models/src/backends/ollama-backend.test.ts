/**
 * The ollama backend against a local upstream on 127.0.0.1 speaking Ollama's native API.
 * Nobody recorded a live Ollama: the answers are the documented examples in
 * packages/translate/test/fixtures/ollama (its README says which example of Ollama's
 * docs/api.md each file copies), and the error bodies are the ones docs.ollama.com/api/errors
 * documents (`{"error": "..."}`, 404 for an unknown model, an error line mid-stream).
 */
import { readFileSync } from "node:fs"
import type { ServerResponse } from "node:http"
import { base64ToFloat32, toEmbeddingsResponse, type ChatCall, type EmbedCall } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { callContext, collectChunks, failureOf, testUpstreamOptions } from "../../test/backend-calls.ts"
import { errorBody } from "../../test/error-bodies.ts"
import { localUpstream } from "../../test/local-upstream.ts"
import { createOllamaBackend, type OllamaBackendOptions } from "./ollama-backend.ts"

const fixture = (name: string) => readFileSync(new URL(`../../../translate/test/fixtures/ollama/${name}`, import.meta.url), "utf8")

/** Writes an NDJSON answer in 5-byte pieces, so lines (and UTF-8 characters: "×") are cut anywhere. */
async function trickle(res: ServerResponse, text: string): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson" })
  const bytes = Buffer.from(text, "utf8")
  for (let at = 0; at < bytes.length; at += 5) {
    res.write(bytes.subarray(at, at + 5))
    await new Promise((resolve) => setImmediate(resolve))
  }
  res.end()
}

/** How many bytes the hostile upstream managed to write before the gateway hung up, by model. */
const written = new Map<string, number>()

/** One NDJSON line of `total` bytes in 64 KiB pieces, as fast as the reader takes them, stopping when it hangs up. */
async function endlessLine(res: ServerResponse, model: string, total: number): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson" })
  const piece = Buffer.alloc(64 * 1024, "x")
  let sent = 0
  while (sent < total && !res.destroyed) {
    if (!res.write(piece)) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve))
    sent += piece.length
    written.set(model, sent)
  }
  res.end()
}

const answerJson = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(body)
}

const upstream = localUpstream((request, res) => {
  const { body } = request
  const model = String(body["model"])
  if (request.path === "/api/embed") {
    // What Ollama answers /api/embed for an input longer than the context (ollama/ollama#14186).
    if (body["input"] === "too long") return answerJson(res, 400, '{"error":"the input length exceeds the context length"}')
    return answerJson(res, 200, fixture(Array.isArray(body["input"]) ? "embed-multiple.json" : "embed.json"))
  }
  if (request.path !== "/api/chat") return answerJson(res, 404, '{"error":"404 page not found"}')
  switch (model) {
    case "llama3.2":
      return body["stream"] === true ? trickle(res, fixture("chat-stream-tools.ndjson")) : answerJson(res, 200, fixture("chat-tools.json"))
    case "qwen3":
      return trickle(res, fixture("chat-thinking.ndjson"))
    case "missing":
      // docs.ollama.com/api/errors: "404: Not Found (model doesn't exist)", `{"error": "model 'llama3.2' not found"}`.
      return answerJson(res, 404, `{"error":"model '${model}' not found"}`)
    case "leaky":
      return answerJson(res, 500, '{"error":"failed to load model: llama-runner at gpu-7.cluster.internal (10.0.0.7) out of memory"}')
    case "errors-mid-stream": {
      // docs.ollama.com/api/errors, "Errors that occur while streaming": 200, then an error line.
      const first = fixture("chat-thinking.ndjson").split("\n")[0] ?? ""
      return trickle(res, `${first}\n{"error":"an error was encountered while running the model"}\n`)
    }
    case "error-in-200":
      return answerJson(res, 200, errorBody("ollama-model-error"))
    case "one-huge-line":
      return endlessLine(res, model, 50 * 1024 * 1024)
    case "cut-short":
      return trickle(res, fixture("chat-thinking.ndjson").split("\n").slice(0, 2).join("\n"))
    default:
      return answerJson(res, 500, '{"error":"unexpected test model"}')
  }
})
const { received } = upstream

const backend = (overrides: Partial<OllamaBackendOptions> = {}) => createOllamaBackend({ ...testUpstreamOptions(upstream.url(), undefined), ollama: {}, ...overrides })
const chat = (model: string, stream: boolean, extra: Partial<ChatCall["input"]> = {}, opts: Partial<ChatCall["opts"]> = {}): ChatCall => ({
  input: { messages: [{ role: "user", content: "What is the weather in Tokyo?" }], ...extra },
  opts: { model, ...opts },
  stream,
  includeUsage: stream,
})
const getWeather = { name: "get_weather", description: "Get the weather in a given city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }
const lastRequest = () => {
  const last = received.at(-1)
  if (last === undefined) throw new Error("the upstream received nothing")
  return last
}
describe("the ollama backend (documented examples)", () => {
  it("posts /api/chat with the model config's options, keep_alive and think, and reads the documented tool-call answer", async () => {
    const result = await backend({ apiKey: "ollama-key", ollama: { options: { num_ctx: 8192 }, keepAlive: "10m", think: false } }).generate(
      chat("llama3.2", false, { tools: [getWeather] }, { temperature: 0.2, responseFormat: { type: "json_schema", name: "w", schema: { type: "object" } } }),
      callContext(),
    )
    const sent = lastRequest()
    expect(sent.path).toBe("/api/chat")
    expect(sent.headers["authorization"]).toBe("Bearer ollama-key")
    expect(sent.body).toMatchObject({
      model: "llama3.2",
      stream: false,
      options: { num_ctx: 8192, temperature: 0.2 },
      keep_alive: "10m",
      think: false,
      format: { type: "object" },
      tools: [{ type: "function", function: { name: "get_weather", parameters: getWeather.parameters } }],
    })
    // chat-tools.json: "Chat request (No streaming, with tools)".
    expect(result.toolCalls).toEqual([{ id: "call_0", name: "get_weather", arguments: '{"city":"Tokyo"}' }])
    expect(result.finishReason).toBe("tool_calls")
    expect(result.rawFinishReason).toBe("stop")
    expect(result.usage).toMatchObject({ promptTokens: 169, completionTokens: 18, totalTokens: 187 })
    // The timings stay raw beside the unified usage, for accounting.
    expect(result.usage?.raw).toEqual({
      prompt_eval_count: 169,
      eval_count: 18,
      total_duration: 3244883583,
      load_duration: 2969184542,
      prompt_eval_duration: 141656333,
      eval_duration: 133293625,
    })
  })

  it("sends no authorization header without an apiKey", async () => {
    await backend().generate(chat("llama3.2", false), callContext())
    expect(lastRequest().headers["authorization"]).toBeUndefined()
  })

  it("streams the documented tool-call lines as one whole call, then the done line's usage", async () => {
    const chunks = await collectChunks(backend().generateStream(chat("llama3.2", true, { tools: [getWeather] }), callContext()))
    expect(lastRequest().body).toMatchObject({ stream: true })
    expect(lastRequest().headers["accept"]).toBe("application/x-ndjson")
    const calls = chunks.flatMap((chunk) => chunk.deltaToolCalls ?? [])
    expect(calls).toContainEqual(expect.objectContaining({ index: 0, id: "call_0", name: "get_weather" }))
    expect(calls.map((call) => call.argumentsDelta ?? "").join("")).toBe('{"city":"Tokyo"}')
    const last = chunks.at(-1)
    expect(last?.finishReason).toBe("tool_calls")
    expect(last?.usage).toMatchObject({ promptTokens: 169, completionTokens: 15, raw: expect.objectContaining({ eval_duration: 115959084 }) })
  })

  it("streams thinking as reasoning and the answer as content, however the bytes were cut; reasoning_effort becomes think", async () => {
    const chunks = await collectChunks(backend({ ollama: { think: false } }).generateStream(chat("qwen3", true, {}, { reasoningEffort: "high" }), callContext()))
    expect(lastRequest().body["think"]).toBe(true)
    expect(chunks.map((chunk) => chunk.deltaReasoning ?? "").join("")).toBe("The user asks for 17 * 3. That is 51.")
    expect(chunks.map((chunk) => chunk.deltaContent ?? "").join("")).toBe("17 × 3 = 51.")
    expect(chunks.at(-1)).toMatchObject({ finishReason: "stop", usage: { promptTokens: 12, completionTokens: 20 } })
  })

  it("refuses an image URL with a 400 naming the field, before anything reaches Ollama", async () => {
    const before = received.length
    const { reason } = await failureOf(
      backend().generate({ input: { messages: [{ role: "user", content: [{ type: "image", url: "https://example.com/cat.png" }] }] }, opts: { model: "llama3.2" }, stream: false, includeUsage: false }, callContext()),
    )
    expect(reason).toMatchObject({ _tag: "InvalidRequest", param: "messages[0].content[0].image_url.url" })
    expect(received.length).toBe(before)
  })

  it("sends a base64 image as Ollama's images beside the text", async () => {
    await backend().generate(
      {
        input: {
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "What is in this picture?" },
                { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" },
              ],
            },
          ],
        },
        opts: { model: "llama3.2" },
        stream: false,
        includeUsage: false,
      },
      callContext(),
    )
    expect(lastRequest().body["messages"]).toEqual([{ role: "user", content: "What is in this picture?", images: ["iVBORw0KGgo="] }])
  })
})

describe("the ollama backend's errors (docs.ollama.com/api/errors)", () => {
  it("an unknown model (404) is a model-not-found", async () => {
    const { reason } = await failureOf(backend().generate(chat("missing", false), callContext()))
    expect(reason).toMatchObject({ _tag: "ModelNotFound" })
  })

  it("a 500 reaches the client redacted, the operator keeps the body, and a model that hides upstream errors shows none", async () => {
    const shown = await failureOf(backend().generate(chat("leaky", false), callContext()))
    expect(shown.reason).toMatchObject({ _tag: "UpstreamError", upstreamStatus: 500 })
    expect(JSON.stringify(shown.reason)).not.toMatch(/gpu-7|10\.0\.0\.7/)
    expect(shown.detail).toContain("gpu-7.cluster.internal")
    const hidden = await failureOf(backend({ exposeUpstreamErrors: false }).generate(chat("leaky", false), callContext()))
    expect(hidden.reason !== undefined && "message" in hidden.reason ? hidden.reason.message : undefined).toBeUndefined()
  })

  it("an error line mid-stream ends the stream with its reason, its message hidden when the model says so", async () => {
    const shown = await failureOf(collectChunks(backend().generateStream(chat("errors-mid-stream", true), callContext())))
    expect(shown.reason).toMatchObject({ _tag: "UpstreamError", message: "an error was encountered while running the model" })
    const hidden = await failureOf(collectChunks(backend({ exposeUpstreamErrors: false }).generateStream(chat("errors-mid-stream", true), callContext())))
    expect(hidden.reason).toMatchObject({ _tag: "UpstreamError" })
    expect(hidden.reason !== undefined && "message" in hidden.reason ? hidden.reason.message : undefined).toBeUndefined()
  })

  it("a 200 whose body is Ollama's error object is that error, its message passed on", async () => {
    const { reason } = await failureOf(backend().generate(chat("error-in-200", false), callContext()))
    expect(reason).toMatchObject({ _tag: "UpstreamError", upstreamStatus: 500, message: "an error was encountered while running the model: unexpected EOF" })
  })

  it("refuses a 50 MB line once it passes the 16 MiB line limit, without reading the rest", async () => {
    const { reason } = await failureOf(collectChunks(backend().generateStream(chat("one-huge-line", true), callContext())))
    expect(reason).toMatchObject({ _tag: "UpstreamError", code: "invalid_upstream_stream" })
    await new Promise((resolve) => setTimeout(resolve, 100))
    console.log(`one 50 MB NDJSON line: the upstream wrote ${((written.get("one-huge-line") ?? 0) / 1024 / 1024).toFixed(1)} MiB before the gateway hung up (line limit 16 MiB)`)
    // The limit, plus what the sockets' buffers hold; the whole line would be 50 MiB.
    expect(written.get("one-huge-line") ?? 0).toBeLessThan(32 * 1024 * 1024)
  })

  it("a stream that ends before its done line is an error, never a silent stop", async () => {
    const { reason } = await failureOf(collectChunks(backend().generateStream(chat("cut-short", true), callContext())))
    expect(reason).toMatchObject({ _tag: "UpstreamError", code: "upstream_stream_incomplete" })
  })
})

describe("the ollama backend's embeddings (/api/embed, documented examples)", () => {
  const embedCall = (input: EmbedCall["input"], extra: Partial<EmbedCall["opts"]> = {}, encodingFormat: EmbedCall["encodingFormat"] = "float"): EmbedCall => ({
    input,
    opts: { model: "all-minilm", ...extra },
    encodingFormat,
  })

  it("embeds several inputs in one call, in order, with keep_alive and the prompt count as usage", async () => {
    const result = await backend({ ollama: { keepAlive: "5m" } }).embed(embedCall(["Why is the sky blue?", "Why is the grass green?"]), callContext())
    expect(lastRequest()).toMatchObject({ path: "/api/embed", body: { model: "all-minilm", input: ["Why is the sky blue?", "Why is the grass green?"], keep_alive: "5m" } })
    // embed-multiple.json: "Generate Embeddings", multiple input.
    expect(result.vectors.length).toBe(2)
    expect(result.asSent).toMatchObject({ encoding: "float" })
    expect(result.asSent?.vectors[1]?.[0]).toBe(-0.0098027075)
  })

  it("a base64 client gets the same numbers as float32 bytes", async () => {
    const call = embedCall("Why is the sky blue?", {}, "base64")
    const result = await backend().embed(call, callContext())
    const response = toEmbeddingsResponse(result, "all-minilm", call.encodingFormat)
    const text = response.data[0]?.embedding
    expect(typeof text).toBe("string")
    const floats = typeof text === "string" ? base64ToFloat32(text) : undefined
    // embed.json: "Generate Embeddings", single input.
    expect(floats?.[0]).toBe(Math.fround(0.010071029))
    expect(floats?.length).toBe(10)
  })

  it("forwards dimensions, and refuses with a 400 naming it when the answer ignored it", async () => {
    await backend().embed(embedCall("Why is the sky blue?", { dimensions: 10 }), callContext())
    expect(lastRequest().body["dimensions"]).toBe(10)
    const { reason } = await failureOf(backend().embed(embedCall("Why is the sky blue?", { dimensions: 4 }), callContext()))
    expect(reason).toMatchObject({ _tag: "InvalidRequest", param: "dimensions" })
  })

  it("asks Ollama not to cut long inputs unless configured, and its refusal is a context-length 400 naming input", async () => {
    await backend().embed(embedCall("Why is the sky blue?"), callContext())
    expect(lastRequest().body["truncate"]).toBe(false)
    await backend({ ollama: { truncate: true } }).embed(embedCall("Why is the sky blue?"), callContext())
    expect(lastRequest().body["truncate"]).toBe(true)
    const { reason } = await failureOf(backend().embed(embedCall("too long"), callContext()))
    expect(reason).toMatchObject({ _tag: "ContextLengthExceeded", param: "input" })
  })

  it("refuses token-id inputs with a 400 naming the input", async () => {
    const { reason } = await failureOf(backend().embed(embedCall([1, 2, 3]), callContext()))
    expect(reason).toMatchObject({ _tag: "InvalidRequest", param: "input" })
  })
})
