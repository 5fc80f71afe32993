import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { ServerResponse } from "node:http"
import type { ChatCall, EmbedCall } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { callContext, collectChunks, failureOf, testUpstreamOptions } from "../../test/backend-calls.ts"
import { errorBody } from "../../test/error-bodies.ts"
import { localUpstream } from "../../test/local-upstream.ts"
import { recordedDir } from "../../../translate/test/shared-dir.ts"
import { createOpenAIBackend, type OpenAIBackendOptions } from "./openai-backend.ts"
import { DEFAULT_TIMEOUTS } from "./upstream-options.ts"

/** What the hostile upstream did with each request: how many bytes it managed to write before the gateway hung up. */
const written = new Map<string, number>()
/** Request bodies the upstream was sent, for the tests that check what went out. */
const bodies: Record<string, unknown>[] = []

/** Writes `total` bytes in 64 KiB pieces, stopping when the reader hangs up. */
async function pour(res: ServerResponse, model: string, total: number): Promise<void> {
  const piece = Buffer.alloc(64 * 1024, "x")
  let sent = 0
  while (sent < total && !res.destroyed) {
    if (!res.write(piece)) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve))
    sent += piece.length
    written.set(model, sent)
  }
  res.end()
}

const upstream = localUpstream((request, res) => {
  const model = String(request.body["model"])
  switch (model) {
    case "huge-answer":
      res.writeHead(200, { "content-type": "application/json" })
      return pour(res, model, 256 * 1024 * 1024)
    case "huge-error":
      res.writeHead(500, { "content-type": "text/plain" })
      return pour(res, model, 256 * 1024 * 1024)
    case "keepalive-forever": {
      res.writeHead(200, { "content-type": "text/event-stream" })
      res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] })}\n\n`)
      const timer = setInterval(() => res.write(": keepalive\n\n"), 50)
      res.on("close", () => clearInterval(timer))
      return
    }
    case "drip-forever": {
      res.writeHead(200, { "content-type": "text/event-stream" })
      const timer = setInterval(() => res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }] })}\n\n`), 50)
      res.on("close", () => clearInterval(timer))
      return
    }
    case "empty-chunks-forever": {
      // Chunks that carry nothing (a role, an empty content): bytes and events, but no content.
      res.writeHead(200, { "content-type": "text/event-stream" })
      const timer = setInterval(() => res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] })}\n\n`), 50)
      res.on("close", () => clearInterval(timer))
      return
    }
    case "slow-first-token": {
      // A reasoning model: its role at once, then silence longer than idleMs before the first token.
      res.writeHead(200, { "content-type": "text/event-stream" })
      const chunk = (delta: Record<string, unknown>, finish: string | null) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
      res.write(chunk({ role: "assistant", content: "" }, null))
      const timer = setTimeout(() => res.end(`${chunk({ content: "42" }, null)}${chunk({}, "stop")}data: [DONE]\n\n`), 1_000)
      res.on("close", () => clearTimeout(timer))
      return
    }
    case "dripping-body": {
      // A non-streamed answer's headers, then one byte every 50 ms, forever.
      res.writeHead(200, { "content-type": "application/json" })
      res.write("{")
      const timer = setInterval(() => res.write(" "), 50)
      res.on("close", () => clearInterval(timer))
      return
    }
    case "openrouter-provider-error":
    case "openai-rate-limit":
      // A provider error object as the body of a 200 (proxies and OpenAI-compatible providers do this).
      res.writeHead(200, { "content-type": "application/json" })
      return res.end(errorBody(model))
    case "remember-body":
      bodies.push(request.body)
      res.writeHead(200, { "content-type": "application/json" })
      return res.end(JSON.stringify({ id: "c", object: "chat.completion", created: 1, model, choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] }))
    case "deepseek-stream": {
      // DeepSeek's habit (recorded): usage on the finish chunk, with its cache split, asked or not.
      res.writeHead(200, { "content-type": "text/event-stream" })
      const usage = { prompt_tokens: 13, completion_tokens: 1, total_tokens: 14, prompt_tokens_details: { cached_tokens: 0 }, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 13 }
      const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`
      return res.end(`${chunk({ role: "assistant", content: "" }, null)}${chunk({ content: "Hi" }, null)}${chunk({ content: "" }, "stop", { usage })}data: [DONE]\n\n`)
    }
    case "embed-recorded":
      // OpenAI's recorded /v1/embeddings answer, as it printed it (spaced, floats).
      res.writeHead(200, { "content-type": "application/json" })
      return res.end(readFileSync(join(recordedDir, "openai-embedding.json"), "utf8"))
    case "embed-error-200":
      res.writeHead(200, { "content-type": "application/json" })
      return res.end(errorBody("openai-rate-limit"))
    case "embed-not-json":
      res.writeHead(200, { "content-type": "application/json" })
      return res.end('{"object":"list","data":[{"index":0,"embedding":[0.5,')
    case "embed-wrong-count":
      res.writeHead(200, { "content-type": "application/json" })
      return res.end('{"object":"list","data":[{"index":0,"embedding":[0.5]}]}')
    case "leaky-error":
      res.writeHead(400, { "content-type": "application/json" })
      return res.end(JSON.stringify({ error: { message: "backend vllm-3.gpu.internal (10.2.3.4) said: Authorization: Basic YWRtaW46aHVudGVyMg== is invalid", type: "invalid_request_error" } }))
    default:
      res.writeHead(404)
      return res.end()
  }
})

const backend = (overrides: Partial<OpenAIBackendOptions> = {}) => createOpenAIBackend({ ...testUpstreamOptions(upstream.url(), "sk-test"), ...overrides })
const call = (model: string, stream = false): ChatCall => ({ input: { messages: [{ role: "user", content: "x" }] }, opts: { model }, stream, includeUsage: false })
const drain = async (model: string, options: Partial<OpenAIBackendOptions>) => {
  const started = Date.now()
  const outcome = await failureOf(
    (async () => {
      for await (const _ of backend(options).generateStream(call(model, true), callContext())) void _
    })(),
  )
  return { ...outcome, ms: Date.now() - started }
}

describe("the openai backend: what works directly works through it", () => {
  it("sends parts' cache_control only when the call says the model's config forwards it", async () => {
    bodies.length = 0
    const cached: ChatCall = {
      ...call("remember-body"),
      input: { messages: [{ role: "user", content: [{ type: "text", text: "long document", cacheControl: { type: "ephemeral", ttl: "1h" } }] }] },
    }
    await backend().generate({ ...cached, forwardCacheControl: true }, callContext())
    await backend().generate(cached, callContext())
    expect(bodies.map((body) => body["messages"])).toEqual([
      [{ role: "user", content: [{ type: "text", text: "long document", cache_control: { type: "ephemeral", ttl: "1h" } }] }],
      [{ role: "user", content: [{ type: "text", text: "long document" }] }],
    ])
  })

  it("reads usage streamed on the finish chunk as unsolicited, with the provider's fields for the client", async () => {
    const chunks = await collectChunks(backend().generateStream(call("deepseek-stream", true), callContext()))
    const withUsage = chunks.filter((chunk) => chunk.usage !== undefined)
    expect(withUsage.map((chunk) => [chunk.usageUnsolicited, chunk.finishReason, chunk.usage?.extensions])).toEqual([[true, "stop", { prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 13 }]])
  })
})

describe("the openai backend's embeddings, read from the answer's bytes", () => {
  const embedCall = (model: string, input: string[]): EmbedCall => ({ input, opts: { model }, encodingFormat: "float" })

  it("keeps the recorded OpenAI answer's vectors as JSON text, and still gives float32 vectors and usage", async () => {
    const result = await backend().embed(embedCall("embed-recorded", ["a", "b"]), callContext())
    expect(result.asSentJson?.encoding).toBe("float")
    expect(new TextDecoder().decode(result.asSentJson?.vectors[0])).toBe("[0.0057293195,-0.012727811,0.020042092,-0.013437585,0.022833068]")
    expect(result.vectors[1]?.[0]).toBeCloseTo(-0.037104916, 8)
    expect(result.usage).toMatchObject({ promptTokens: 12, totalTokens: 12 })
    expect(result.model).toBe("text-embedding-3-small")
  })

  it("answers what it cannot read as before: an error object as the provider's error, a cut answer as not JSON, a wrong count as invalid", async () => {
    expect((await failureOf(backend().embed(embedCall("embed-error-200", ["a"]), callContext()))).reason).toMatchObject({ _tag: "RateLimited" })
    expect((await failureOf(backend().embed(embedCall("embed-not-json", ["a"]), callContext()))).reason).toEqual({
      _tag: "UpstreamError",
      code: "invalid_upstream_response",
      detail: "the upstream's answer is not JSON",
    })
    expect((await failureOf(backend().embed(embedCall("embed-wrong-count", ["a", "b"]), callContext()))).reason).toEqual({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  })

  it("refuses an embeddings answer past its read limit, as any answer", async () => {
    const { reason } = await failureOf(backend({ maxEmbeddingsResponseBytes: 100 }).embed(embedCall("embed-recorded", ["a", "b"]), callContext()))
    expect(reason).toMatchObject({ _tag: "UpstreamError", code: "upstream_response_too_large" })
  })
})

describe("the openai backend against a hostile upstream", () => {
  it("stops reading a non-streamed answer past its limit and answers 502, whatever the upstream keeps sending", async () => {
    const { reason } = await failureOf(backend({ maxChatResponseBytes: 1024 * 1024 }).generate(call("huge-answer"), callContext()))
    expect(reason).toMatchObject({ _tag: "UpstreamError", code: "upstream_response_too_large" })
    await new Promise((r) => setTimeout(r, 100))
    // The socket's buffers hold a few MiB at most; without the cap the upstream would have written all 256 MiB.
    expect(written.get("huge-answer") ?? 0).toBeLessThan(32 * 1024 * 1024)
  })

  it("reads an error body only up to its limit, and the client never sees it", async () => {
    const { reason, detail } = await failureOf(backend({ maxErrorBytes: 64 * 1024 }).generate(call("huge-error"), callContext()))
    expect(reason).toMatchObject({ _tag: "UpstreamError", upstreamStatus: 500 })
    expect(reason !== undefined && "message" in reason ? reason.message : undefined).toBeUndefined()
    expect((detail ?? "").length).toBeLessThan(10_000)
    await new Promise((r) => setTimeout(r, 100))
    expect(written.get("huge-error") ?? 0).toBeLessThan(32 * 1024 * 1024)
  })

  it("ends a stream of keepalive comments at the idle timeout: comments are not progress", async () => {
    const { reason, ms } = await drain("keepalive-forever", { timeouts: { ...DEFAULT_TIMEOUTS, idleMs: 400, totalMs: 60_000 } })
    expect(reason).toEqual({ _tag: "UpstreamTimeout", phase: "idle" })
    expect(ms).toBeLessThan(30_000)
  })

  it("ends a stream that never finishes at the total deadline, though data keeps coming", async () => {
    const { reason, ms } = await drain("drip-forever", { timeouts: { ...DEFAULT_TIMEOUTS, idleMs: 5_000, totalMs: 800 } })
    expect(reason).toEqual({ _tag: "UpstreamTimeout", phase: "total", shouldRetry: false })
    expect(ms).toBeGreaterThanOrEqual(700)
  })

  it("ends a stream of chunks that carry nothing at the idle timeout: only content is progress", async () => {
    const { reason, ms } = await drain("empty-chunks-forever", { timeouts: { ...DEFAULT_TIMEOUTS, firstByteMs: 400, idleMs: 400, totalMs: 60_000 } })
    expect(reason).toEqual({ _tag: "UpstreamTimeout", phase: "first_byte" })
    expect(ms).toBeLessThan(30_000)
  })

  it("waits firstByteMs, not idleMs, for a stream's first content: a reasoning model may be silent before its first token", async () => {
    const chunks = await collectChunks(backend({ timeouts: { ...DEFAULT_TIMEOUTS, firstByteMs: 30_000, idleMs: 200, totalMs: 60_000 } }).generateStream(call("slow-first-token", true), callContext()))
    expect(chunks.map((chunk) => chunk.deltaContent ?? "").join("")).toBe("42")
  })

  it("ends a non-streamed answer whose body drips in at the body deadline, not the total one", async () => {
    const started = Date.now()
    const { reason } = await failureOf(backend({ timeouts: { ...DEFAULT_TIMEOUTS, bodyMs: 400, totalMs: 60_000 } }).generate(call("dripping-body"), callContext()))
    expect(reason).toEqual({ _tag: "UpstreamTimeout", phase: "body" })
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it("maps a 200 whose body is an error object as the provider's error: its status, its message redacted, the body kept for the operator", async () => {
    const proxied = await failureOf(backend().generate(call("openrouter-provider-error"), callContext()))
    expect(proxied.reason).toMatchObject({ _tag: "UpstreamError", upstreamStatus: 502, message: expect.stringContaining("Provider returned error") })
    expect(JSON.stringify(proxied.reason)).not.toMatch(/gpu-node-7|10\.1\.2\.3/)
    expect(proxied.detail).toContain("gpu-node-7.internal.example")
    const limited = await failureOf(backend().generate(call("openai-rate-limit"), callContext()))
    expect(limited.reason).toMatchObject({ _tag: "RateLimited", message: expect.stringContaining("Rate limit reached") })
    const hidden = await failureOf(backend({ exposeUpstreamErrors: false }).generate(call("openai-rate-limit"), callContext()))
    expect(hidden.reason).toEqual({ _tag: "RateLimited" })
  })

  it("passes an upstream's JSON error message on redacted, keeps the body for the operator, and hides the message when told to", async () => {
    const shown = await failureOf(backend().generate(call("leaky-error"), callContext()))
    expect(shown.reason).toMatchObject({ _tag: "InvalidRequest", message: expect.stringContaining("is invalid") })
    expect(JSON.stringify(shown.reason)).not.toMatch(/vllm-3|10\.2\.3\.4|YWRtaW46/)
    expect(shown.detail).toContain("vllm-3.gpu.internal")
    expect(shown.detail).not.toContain("YWRtaW46")
    const hidden = await failureOf(backend({ exposeUpstreamErrors: false }).generate(call("leaky-error"), callContext()))
    expect(hidden.reason).toMatchObject({ _tag: "InvalidRequest", message: "The model provider rejected the request (HTTP 400)." })
  })
})
