import { readFileSync } from "node:fs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { reencodeForOpenAIClients } from "../../test/reencode-stream.ts"
import type { ChatCall } from "../chat/chat-call.ts"
import type { StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { toChatCompletion } from "../chat/to-chat-completion.ts"
import { fromUpstreamError } from "../errors/from-upstream-error.ts"
import type { GenerateOpts, GenerateResult, Message, ToolDef } from "../model/types.ts"
import { encodeOllamaChatRequest } from "./encode-chat-request.ts"
import { encodeOllamaEmbedRequest, fromOllamaEmbedResponse } from "./embed.ts"
import { fromOllamaChatResponse } from "./from-chat-response.ts"
import { createNdjsonDecoder } from "./ndjson-lines.ts"
import { decodeOllamaStreamEvent, initialOllamaStreamState } from "./stream-decoder.ts"
import { fold, runReducer, successOf } from "../../test/provider-stream.ts"

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/ollama/${name}`, import.meta.url), "utf8")
const json = (name: string): unknown => JSON.parse(fixture(name))
const lines = (name: string) =>
  fixture(name)
    .split("\n")
    .filter((line) => line.trim() !== "")
const identity = { id: "chatcmpl-1", created: 1_700_000_000, model: "llama" }
const validateCompletion = specValidator("CreateChatCompletionResponse")

function decodeStream(input: readonly string[], end = true): StreamDecoderOutput[] {
  return runReducer(initialOllamaStreamState(), decodeOllamaStreamEvent, [...input.map((line) => ({ type: "line" as const, line })), ...(end ? [{ type: "end" as const }] : [])])
}

function decoded(body: unknown): GenerateResult {
  return successOf(fromOllamaChatResponse(body))
}

describe("Ollama answers (documented fixtures)", () => {
  it("reads a tool call with object arguments, usage from the counts and latency from total_duration", () => {
    const result = decoded(json("chat-tools.json"))
    expect(result.toolCalls).toEqual([{ id: "call_0", name: "get_weather", arguments: '{"city":"Tokyo"}' }])
    expect(result.content).toBeNull()
    expect(result.finishReason).toBe("tool_calls")
    expect(result.rawFinishReason).toBe("stop")
    expect(result.model).toBe("llama3.2")
    expect(result.created).toBe(1751920373)
    expect(result.usage).toMatchObject({ promptTokens: 169, completionTokens: 18, totalTokens: 187, latencyMs: 3244.883583 })
    expect(result.usage?.raw).toMatchObject({ load_duration: 2969184542, prompt_eval_duration: 141656333, eval_duration: 133293625 })
    expect(result.repaired).toEqual(["id_missing"])
  })

  it("reads structured output as the content", () => {
    expect(JSON.parse(decoded(json("chat-structured.json")).content ?? "")).toEqual({ age: 22, available: false })
  })

  it("streams text and finishes on the done line (a missing done_reason is repaired to stop)", () => {
    const result = fold(decodeStream(lines("chat-stream.ndjson")))
    expect(result.content).toBe("The")
    expect(result.finishReason).toBe("stop")
    expect(result.repaired).toContain("finish_reason_missing")
    expect(result.usage).toMatchObject({ promptTokens: 26, completionTokens: 282 })
  })

  it("streams a whole tool call and finishes with tool_calls", () => {
    const result = fold(decodeStream(lines("chat-stream-tools.ndjson")))
    expect(result.toolCalls).toEqual([{ id: "call_0", name: "get_weather", arguments: '{"city":"Tokyo"}' }])
    expect(result.finishReason).toBe("tool_calls")
    expect(result.usage).toMatchObject({ promptTokens: 169, completionTokens: 15 })
  })

  it("streams thinking as reasoning", () => {
    const result = fold(decodeStream(lines("chat-thinking.ndjson")))
    expect(result.reasoning).toBe("The user asks for 17 * 3. That is 51.")
    expect(result.content).toBe("17 × 3 = 51.")
  })

  it("a stream cut before the done line is an error; an error line is its reason", () => {
    expect(decodeStream(lines("chat-thinking.ndjson").slice(0, 2)).at(-1)).toMatchObject({ type: "error", error: { code: "upstream_stream_incomplete" } })
    const errored = decodeStream([lines("chat-thinking.ndjson")[0] ?? "", '{"error":"an error was encountered while running the model: unexpected EOF"}'])
    expect(errored.at(-1)).toMatchObject({ type: "error", error: { _tag: "UpstreamError", upstreamStatus: 500 } })
  })

  it.each(["chat-tools.json", "chat-structured.json"])("%s re-encoded for OpenAI clients is a valid chat completion", (name) => {
    expect(validateCompletion(toChatCompletion(decoded(json(name)), identity))).toEqual([])
  })

  it.each(["chat-stream.ndjson", "chat-stream-tools.ndjson", "chat-thinking.ndjson"])("%s re-encoded for OpenAI clients is a valid chunk stream ending in [DONE]", (name) => {
    const { problems, done } = reencodeForOpenAIClients(decodeStream(lines(name)))
    expect(problems).toEqual([])
    expect(done).toBe(true)
  })

  it("splits NDJSON however the bytes were cut", () => {
    const bytes = new TextEncoder().encode(fixture("chat-thinking.ndjson"))
    const decoder = createNdjsonDecoder()
    const out: string[] = []
    for (let at = 0; at < bytes.length; at += 7) out.push(...decoder.push(bytes.slice(at, at + 7)))
    out.push(...decoder.end())
    expect(out).toEqual(lines("chat-thinking.ndjson"))
  })

  it("a missing model reads as Ollama's 404, a model-not-found", () => {
    expect(fromUpstreamError({ status: 404, body: '{"error":"model \\"llama9\\" not found, try pulling it first"}', header: () => undefined }, 0)._tag).toBe("ModelNotFound")
  })
})

describe("Ollama laws", () => {
  const answer = fc.record({
    content: fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 4 }),
    thinking: fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 }),
    calls: fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,8}$/), arguments: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }) }), { maxLength: 3 }),
    reason: fc.constantFrom("stop", "length"),
  })

  it("a stream folded gives what the non-streamed answer with the same message decodes to", () => {
    fc.assert(
      fc.property(answer, ({ content, thinking, calls, reason }) => {
        const base = { model: "llama3.2", created_at: "2025-07-07T20:32:53.844124Z" }
        const counts = { prompt_eval_count: 10, eval_count: 5, total_duration: 1000000 }
        const stream = [
          ...thinking.map((text) => ({ ...base, message: { role: "assistant", content: "", thinking: text }, done: false })),
          ...content.map((text) => ({ ...base, message: { role: "assistant", content: text }, done: false })),
          ...calls.map((call) => ({ ...base, message: { role: "assistant", content: "", tool_calls: [{ function: call }] }, done: false })),
          { ...base, message: { role: "assistant", content: "" }, done: true, done_reason: reason, ...counts },
        ].map((line) => JSON.stringify(line))
        const whole = {
          ...base,
          message: { role: "assistant", content: content.join(""), ...(thinking.length > 0 ? { thinking: thinking.join("") } : {}), ...(calls.length > 0 ? { tool_calls: calls.map((call) => ({ function: call })) } : {}) },
          done: true,
          done_reason: reason,
          ...counts,
        }
        expect(fold(decodeStream(stream))).toEqual(decoded(whole))
      }),
    )
  })

  it("an assistant turn encoded and echoed back decodes to the same content and tool calls", () => {
    fc.assert(
      fc.property(answer, ({ content, calls }) => {
        const toolCalls = calls.map((call, i) => ({ id: `call_${i}`, name: call.name, arguments: JSON.stringify(call.arguments) }))
        const outcome = encodeOllamaChatRequest(
          chat([
            { role: "user", content: "go" },
            { role: "assistant", content: content.join(""), ...(toolCalls.length > 0 ? { toolCalls } : {}) },
          ]),
        )
        if (!outcome.ok) throw new Error("refused")
        const echoed = decoded({ model: "m", created_at: "2025-01-01T00:00:00Z", message: outcome.value.messages[1], done: true, done_reason: "stop" })
        expect(echoed.content ?? "").toBe(content.join(""))
        expect(echoed.toolCalls ?? []).toEqual(toolCalls)
      }),
    )
  })
})

const getWeather: ToolDef = {
  name: "get_weather",
  description: "Get the weather in a given city",
  parameters: { type: "object", properties: { city: { type: "string", description: "The city to get the weather for" } }, required: ["city"] },
}
function chat(messages: readonly Message[], opts: Partial<GenerateOpts> = {}, tools?: readonly ToolDef[], stream = false): ChatCall {
  return { input: tools === undefined ? { messages } : { messages, tools }, opts: { model: "llama3.2", ...opts }, stream, includeUsage: false }
}

describe("Ollama request encoder", () => {
  it("writes the documented history-with-tools request from the same conversation", () => {
    const outcome = encodeOllamaChatRequest(
      chat(
        [
          { role: "user", content: "what is the weather in Toronto?" },
          { role: "assistant", content: "", toolCalls: [{ id: "call_0", name: "get_weather", arguments: '{"city":"Toronto"}' }] },
          { role: "tool", toolCallId: "call_0", content: "11 degrees celsius" },
        ],
        {},
        [getWeather],
      ),
    )
    expect(outcome.ok && outcome.value).toEqual(json("chat-history-tools.request.json"))
  })

  it("puts sampling fields into options over the model config, with keep_alive, format, think and images", () => {
    const schema = { type: "object", properties: { age: { type: "integer" } } }
    const outcome = encodeOllamaChatRequest(
      chat(
        [
          { role: "system", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" },
            ],
          },
        ],
        { temperature: 0, topP: 0.9, maxTokens: 100, stop: "END", seed: 101, presencePenalty: 1.5, frequencyPenalty: 1, passthrough: { top_k: 20 }, responseFormat: { type: "json_schema", name: "age", schema }, reasoningEffort: "high" },
        undefined,
        true,
      ),
      { options: { num_ctx: 8192, temperature: 0.7 }, keepAlive: "10m", thinkLevels: true },
    )
    expect(outcome.ok && outcome.value).toEqual({
      model: "llama3.2",
      stream: true,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is this?", images: ["iVBORw0KGgo="] },
      ],
      options: { num_ctx: 8192, temperature: 0, top_p: 0.9, top_k: 20, num_predict: 100, stop: ["END"], seed: 101, presence_penalty: 1.5, frequency_penalty: 1 },
      keep_alive: "10m",
      format: schema,
      think: "high",
    })
    const plain = encodeOllamaChatRequest(chat([{ role: "user", content: "x" }], { reasoningEffort: "none", responseFormat: { type: "json_object" } }))
    expect(plain.ok && plain.value).toMatchObject({ think: false, format: "json" })
  })

  it("tool_choice none leaves the tools out; forcing a call is refused", () => {
    const none = encodeOllamaChatRequest(chat([{ role: "user", content: "x" }], { toolChoice: "none" }, [getWeather]))
    expect(none.ok && none.value.tools).toBeUndefined()
    for (const toolChoice of ["required", { type: "function", name: "get_weather" }] as const) {
      const outcome = encodeOllamaChatRequest(chat([{ role: "user", content: "x" }], { toolChoice }, [getWeather]))
      expect(!outcome.ok && outcome.error).toMatchObject({ _tag: "InvalidRequest", param: "tool_choice" })
    }
  })

  it.each([
    [{ n: 2 }, "n"],
    [{ logprobs: true }, "logprobs"],
    [{ parallelToolCalls: false }, "parallel_tool_calls"],
    [{ passthrough: { logit_bias: {} } }, "logit_bias"],
  ] as const)("refuses %j with a 400 naming %s", (opts, param) => {
    const outcome = encodeOllamaChatRequest(chat([{ role: "user", content: "x" }], opts))
    expect(!outcome.ok && outcome.error).toMatchObject({ _tag: "InvalidRequest", param })
  })

  it("refuses image URLs, audio and files, naming where they are", () => {
    const url = encodeOllamaChatRequest(chat([{ role: "user", content: [{ type: "image", url: "https://example.com/a.png" }] }]))
    expect(!url.ok && url.error).toMatchObject({ param: "messages[0].content[0].image_url.url" })
    const audio = encodeOllamaChatRequest(chat([{ role: "user", content: [{ type: "audio", data: "AAAA", format: "wav" }] }]))
    expect(!audio.ok && audio.error).toMatchObject({ param: "messages[0].content[0]" })
  })
})

describe("Ollama embeddings (documented fixtures)", () => {
  it("encodes one or several inputs and reads the vectors back in order with the prompt count", () => {
    const one = encodeOllamaEmbedRequest({ input: "Why is the sky blue?", opts: { model: "all-minilm", dimensions: 10 }, encodingFormat: "float" }, { keepAlive: "5m" })
    expect(one.ok && one.value).toEqual({ model: "all-minilm", input: "Why is the sky blue?", dimensions: 10, truncate: false, keep_alive: "5m" })
    const single = fromOllamaEmbedResponse(json("embed.json"), 1)
    expect(single.ok && single.value.asSent?.vectors[0]?.[0]).toBe(0.010071029)
    expect(single.ok && single.value.usage).toMatchObject({ promptTokens: 8, embeddingTokens: 8, totalTokens: 8 })
    expect(single.ok && single.value.model).toBe("all-minilm")
    const many = fromOllamaEmbedResponse(json("embed-multiple.json"), 2)
    expect(many.ok && many.value.vectors.length).toBe(2)
    expect(many.ok && many.value.vectors[1]?.[0]).toBe(Math.fround(-0.0098027075))
    expect(fromOllamaEmbedResponse(json("embed-multiple.json"), 3).ok).toBe(false)
    const tokens = encodeOllamaEmbedRequest({ input: [[1, 2], [3]], opts: { model: "m" }, encodingFormat: "float" })
    expect(!tokens.ok && tokens.error).toMatchObject({ param: "input[0]" })
  })
})

describe("what the Ollama backend needs from the mappers", () => {
  it("the model config's think is the default; the client's reasoning_effort wins over it", () => {
    const byConfig = encodeOllamaChatRequest(chat([{ role: "user", content: "x" }]), { think: false })
    expect(byConfig.ok && byConfig.value.think).toBe(false)
    const byClient = encodeOllamaChatRequest(chat([{ role: "user", content: "x" }], { reasoningEffort: "low" }), { think: false })
    expect(byClient.ok && byClient.value.think).toBe(true)
    const none = encodeOllamaChatRequest(chat([{ role: "user", content: "x" }]))
    expect(none.ok && "think" in none.value).toBe(false)
  })

  it("takes a base64 data URL with media-type parameters; anything else is refused naming the field", () => {
    const outcome = encodeOllamaChatRequest(chat([{ role: "user", content: [{ type: "image", url: "data:image/png;name=a.png;base64,iVBORw0KGgo=" }] }]))
    expect(outcome.ok && outcome.value.messages[0]).toEqual({ role: "user", content: "", images: ["iVBORw0KGgo="] })
    const plain = encodeOllamaChatRequest(chat([{ role: "user", content: [{ type: "image", url: "data:image/png,rawbytes" }] }]))
    expect(!plain.ok && plain.error).toMatchObject({ _tag: "InvalidRequest", param: "messages[0].content[0].image_url.url" })
  })

  it("an error line mid-stream keeps its message out when the model hides upstream errors", () => {
    // docs.ollama.com/api/errors, "Errors that occur while streaming": the documented error line.
    const line = '{"error":"an error was encountered while running the model"}'
    const shown = runReducer(initialOllamaStreamState(), decodeOllamaStreamEvent, [{ type: "line" as const, line }])
    expect(shown.at(-1)).toMatchObject({ type: "error", error: { _tag: "UpstreamError", message: "an error was encountered while running the model" } })
    const hidden = runReducer(initialOllamaStreamState(undefined, { exposeMessage: false }), decodeOllamaStreamEvent, [{ type: "line" as const, line }])
    const last = hidden.at(-1)
    expect(last?.type === "error" && "message" in last.error ? last.error.message : undefined).toBeUndefined()
  })

  it("a documented 400 naming Ollama's registry host reaches the client without the host", () => {
    // docs.ollama.com/api/errors: capability errors name the model by its registry path.
    const reason = fromUpstreamError({ status: 400, body: '{"error":"registry.ollama.ai/library/llama3.2:latest does not support tools"}', header: () => undefined }, 0)
    expect(reason).toMatchObject({ _tag: "InvalidRequest", message: expect.stringContaining("does not support tools") })
    expect(JSON.stringify(reason)).not.toContain("registry.ollama.ai")
  })

  it("dimensions an Ollama server ignored are a 400 naming dimensions, never vectors of another size", () => {
    // embed.json is the documented answer: 10 numbers a vector.
    expect(fromOllamaEmbedResponse(json("embed.json"), 1, 10).ok).toBe(true)
    const ignored = fromOllamaEmbedResponse(json("embed.json"), 1, 4)
    expect(!ignored.ok && ignored.error).toMatchObject({ _tag: "InvalidRequest", param: "dimensions" })
  })
})

describe("Ollama embeddings truncation", () => {
  it("asks Ollama not to cut an over-long input (an OpenAI client gets a 400 for it), unless the model config lets it", () => {
    const strict = encodeOllamaEmbedRequest({ input: "x", opts: { model: "all-minilm" }, encodingFormat: "float" })
    expect(strict.ok && strict.value.truncate).toBe(false)
    const cut = encodeOllamaEmbedRequest({ input: "x", opts: { model: "all-minilm" }, encodingFormat: "float" }, { truncate: true })
    expect(cut.ok && cut.value.truncate).toBe(true)
  })
})
