import type { CompletionCall } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { callContext, collectChunks, failureOf, testUpstreamOptions } from "../../test/backend-calls.ts"
import { localUpstream } from "../../test/local-upstream.ts"
import { ANTHROPIC_DEFAULTS, createAnthropicBackend } from "./anthropic-backend.ts"
import { createEchoBackend } from "./echo-backend.ts"
import { createGeminiBackend } from "./gemini-backend.ts"
import { createOllamaBackend } from "./ollama-backend.ts"
import { createOpenAIBackend } from "./openai-backend.ts"
import { createThinkingBlockStore, DEFAULT_THINKING_STORE } from "./thinking-block-store.ts"
import { createThoughtSignatureStore } from "./thought-signature-store.ts"

/** The spec's "No streaming" example answer (paths./completions, x-oaiMeta). */
const specAnswer = {
  id: "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7",
  object: "text_completion",
  created: 1589478378,
  model: "gpt-3.5-turbo-instruct",
  system_fingerprint: "fp_44709d6fcb",
  choices: [{ text: "\n\nThis is indeed a test", index: 0, logprobs: null, finish_reason: "length" }],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
}
/** Its "Streaming" example's chunk shape, then OpenAI's include_usage chunk. */
const streamed = [
  { id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe", object: "text_completion", created: 1690759702, choices: [{ text: "This", index: 0, logprobs: null, finish_reason: null }], model: "gpt-3.5-turbo-instruct" },
  { id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe", object: "text_completion", created: 1690759702, choices: [{ text: " is", index: 0, logprobs: null, finish_reason: "length" }], model: "gpt-3.5-turbo-instruct" },
  { id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe", object: "text_completion", created: 1690759702, choices: [], model: "gpt-3.5-turbo-instruct", usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } },
]

const upstream = localUpstream((request, res) => {
  if (request.path !== "/completions") {
    res.writeHead(404).end()
    return
  }
  if (request.body["stream"] === true) {
    res.writeHead(200, { "content-type": "text/event-stream" })
    res.end(`${streamed.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("")}data: [DONE]\n\n`)
    return
  }
  if (request.body["model"] === "refuses") {
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "best_of must be 1 when streaming", type: "invalid_request_error", param: "best_of", code: null } }))
    return
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(specAnswer))
})

const call = (model: string, stream: boolean): CompletionCall => ({ model, fields: { prompt: "Say this is a test", suffix: "!", echo: true, logprobs: 2, max_tokens: 7 }, stream, includeUsage: false, passthrough: { top_k: 40 } })

describe("the openai backend's text completions", () => {
  const completions = () => {
    const backend = createOpenAIBackend(testUpstreamOptions(upstream.url(), "sk-test")).completions
    if (backend === undefined) throw new Error("the openai backend has no text completions")
    return backend
  }

  it("POSTs <baseUrl>/completions with the client's fields, its extensions and the upstream id, and reads the answer", async () => {
    upstream.received.length = 0
    const result = await completions().complete(call("gpt-3.5-turbo-instruct", false), callContext())
    expect(upstream.received.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([["POST", "/completions", "Bearer sk-test"]])
    expect(upstream.received[0]?.body).toEqual({ top_k: 40, model: "gpt-3.5-turbo-instruct", prompt: "Say this is a test", suffix: "!", echo: true, logprobs: 2, max_tokens: 7, stream: false })
    expect(result).toMatchObject({ content: "\n\nThis is indeed a test", finishReason: "length", usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 } })
  })

  it("streams through the same transport, asking for the usage", async () => {
    upstream.received.length = 0
    const chunks = await collectChunks(completions().completeStream(call("gpt-3.5-turbo-instruct", true), callContext()))
    expect(upstream.received[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    expect(chunks.map((c) => [c.deltaContent ?? null, c.finishReason ?? null, c.usage?.totalTokens ?? null])).toEqual([
      ["This", null, null],
      [" is", "length", null],
      [null, null, 7],
    ])
  })

  it("maps an upstream's refusal as chat does (a 400 with its param)", async () => {
    const failure = await failureOf(completions().complete(call("refuses", false), callContext()))
    expect(failure.reason).toMatchObject({ _tag: "InvalidRequest", param: "best_of" })
  })

  it("is the only backend with text completions: Anthropic, Gemini, Ollama's native API and echo have none", () => {
    const options = testUpstreamOptions(upstream.url(), "k")
    const anthropic = createAnthropicBackend({
      ...options,
      version: ANTHROPIC_DEFAULTS.version,
      betas: [],
      request: { defaultMaxTokens: 1 },
      thinkingStore: createThinkingBlockStore({ ...DEFAULT_THINKING_STORE, now: Date.now }),
      now: Date.now,
    })
    const gemini = createGeminiBackend({ ...options, apiVersion: "v1beta", request: {}, signatures: createThoughtSignatureStore({ maxEntries: 1, maxChars: 1, ttlMs: 1 }) })
    for (const backend of [anthropic, gemini, createOllamaBackend({ ...options, ollama: {} }), createEchoBackend()]) expect(backend.completions).toBeUndefined()
  })
})
