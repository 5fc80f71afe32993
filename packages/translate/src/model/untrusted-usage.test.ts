import { describe, expect, it } from "vitest"
import { fold, runReducer, successOf } from "../../test/provider-stream.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { fromMessagesResponse } from "../anthropic/from-messages-response.ts"
import { decodeAnthropicStreamEvent, initialAnthropicStreamState, type AnthropicStreamEvent } from "../anthropic/stream-decoder.ts"
import { fromChatCompletion } from "../chat/from-chat-completion.ts"
import { usageToOpenAI } from "../chat/map-usage.ts"
import { decodeStreamEvent, initialStreamDecoderState, type StreamDecoderEvent } from "../chat/stream-decoder.ts"
import { fromEmbeddingsResponse } from "../embeddings/from-embeddings-response.ts"
import { usageToEmbeddingsUsage } from "../embeddings/map-embeddings-usage.ts"
import { fromEmbedResponse, joinEmbedResults } from "../gemini/embed.ts"
import { fromGenerateResponse } from "../gemini/from-generate-response.ts"
import { fromOllamaEmbedResponse } from "../ollama/embed.ts"
import { fromOllamaChatResponse } from "../ollama/from-chat-response.ts"
import { usageFromResponses, usageToResponses } from "../responses/map-responses-usage.ts"
import type { TokenUsage } from "./types.ts"

/**
 * Usage figures as an upstream may send them that are no token count, written as JSON text
 * (1e999 parses to Infinity). Each must be left out of the counts, named in `untrusted` and
 * kept in `raw`, so the call is estimated and flagged rather than free or unwritable.
 */
const BAD = ["1e20", "1e300", "2147483648", "-5", "3.7", "1e999", '"12"', "{}", "true"] as const

const json = (text: string): unknown => JSON.parse(text)
const validateCompletion = specValidator("CreateChatCompletionResponse")

function expectUntrusted(usage: TokenUsage | undefined, fields: readonly string[], bad: string): void {
  expect(usage, bad).toBeDefined()
  for (const field of fields) {
    expect(Reflect.get(usage ?? {}, field), `${field} from ${bad}`).toBeUndefined()
    expect(usage?.untrusted, `${field} from ${bad}`).toContain(field)
  }
}

describe("usage figures no count can be, at every protocol's edge", () => {
  it("OpenAI chat: a bad prompt figure is left out, named, kept raw; the total it came with too; the client gets integers", () => {
    for (const bad of BAD) {
      const body = json(
        `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":${bad},"completion_tokens":3,"total_tokens":${bad}}}`,
      )
      const usage = successOf(fromChatCompletion(body)).usage
      expectUntrusted(usage, ["promptTokens", "totalTokens"], bad)
      expect(usage?.completionTokens).toBe(3)
      expect(usage?.raw?.["prompt_tokens"]).toEqual(json(bad))
      const sent = usageToOpenAI(usage ?? {})
      for (const value of [sent.prompt_tokens, sent.completion_tokens, sent.total_tokens]) expect(Number.isSafeInteger(value) && value >= 0, bad).toBe(true)
      expect(
        validateCompletion({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi", refusal: null }, finish_reason: "stop", logprobs: null }], usage: sent }),
      ).toEqual([])
    }
  })

  it("OpenAI chat stream: a bad figure in the usage chunk, or in a detail, is named and the stream still finishes", () => {
    for (const bad of BAD) {
      const lines = [
        `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`,
        `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":${bad},"total_tokens":9,"completion_tokens_details":{"reasoning_tokens":${bad}}}}`,
      ]
      const events: StreamDecoderEvent[] = [...lines.map((data) => ({ type: "data" as const, data })), { type: "end" }]
      const result = fold(runReducer(initialStreamDecoderState(), decodeStreamEvent, events))
      expectUntrusted(result.usage, ["completionTokens", "totalTokens", "reasoningTokens"], bad)
      expect(result.usage?.promptTokens).toBe(4)
    }
  })

  it("Anthropic: a bad input figure makes the prompt (input + cache parts) and total untrusted", () => {
    for (const bad of BAD) {
      const body = json(`{"id":"msg","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":${bad},"output_tokens":5,"cache_read_input_tokens":2}}`)
      const usage = successOf(fromMessagesResponse(body)).usage
      expectUntrusted(usage, ["promptTokens", "totalTokens"], bad)
      expect([usage?.completionTokens, usage?.cachedTokens]).toEqual([5, 2])
      expect(usage?.raw?.["input_tokens"]).toEqual(json(bad))
    }
  })

  it("Anthropic: parts that are each counts but sum past the column are untrusted", () => {
    const body = { id: "msg", content: [{ type: "text", text: "hi" }], stop_reason: "end_turn", usage: { input_tokens: 2_000_000_000, cache_read_input_tokens: 2_000_000_000, output_tokens: 1 } }
    expectUntrusted(successOf(fromMessagesResponse(body)).usage, ["promptTokens", "totalTokens"], "sum")
  })

  it("Anthropic stream whose usage fields are strings: the events still count (finish reason kept), the counts are untrusted", () => {
    const lines = [
      `{"type":"message_start","message":{"id":"msg","model":"claude","usage":{"input_tokens":"12","output_tokens":"1"}}}`,
      `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
      `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`,
      `{"type":"content_block_stop","index":0}`,
      `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":"7"}}`,
      `{"type":"message_stop"}`,
    ]
    const events: AnthropicStreamEvent[] = [...lines.map((data) => ({ type: "event" as const, data })), { type: "end" }]
    const result = fold(runReducer(initialAnthropicStreamState(), decodeAnthropicStreamEvent, events))
    expect(result.id).toBe("msg")
    expect(result.finishReason).toBe("stop")
    expect(result.repaired ?? []).not.toContain("finish_reason_missing")
    expectUntrusted(result.usage, ["promptTokens", "completionTokens"], "strings")
    expect(result.usage?.raw?.["output_tokens"]).toBe("7")
  })

  it("Gemini: a bad candidates figure makes the completion (candidates + thoughts) and total untrusted", () => {
    for (const bad of BAD) {
      const body = json(`{"candidates":[{"content":{"parts":[{"text":"hi"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":${bad},"thoughtsTokenCount":2,"totalTokenCount":99}}`)
      const usage = successOf(fromGenerateResponse(body)).usage
      expectUntrusted(usage, ["completionTokens", "totalTokens"], bad)
      expect([usage?.promptTokens, usage?.reasoningTokens]).toEqual([4, 2])
    }
  })

  it("Ollama chat: a bad prompt_eval_count is untrusted, the answer is still read", () => {
    for (const bad of BAD) {
      const body = json(`{"model":"llama","created_at":"2024-01-01T00:00:00Z","message":{"role":"assistant","content":"hi"},"done":true,"done_reason":"stop","prompt_eval_count":${bad},"eval_count":3}`)
      const usage = successOf(fromOllamaChatResponse(body)).usage
      expectUntrusted(usage, ["promptTokens"], bad)
      expect(usage?.completionTokens).toBe(3)
      expect(usage?.totalTokens).toBeUndefined()
      expect(usage?.raw?.["prompt_eval_count"]).toEqual(json(bad))
    }
  })

  it("OpenAI embeddings: a bad prompt_tokens is untrusted and the client is sent integers", () => {
    for (const bad of BAD) {
      const body = json(`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5]}],"model":"e","usage":{"prompt_tokens":${bad},"total_tokens":${bad}}}`)
      const usage = successOf(fromEmbeddingsResponse(body, 1)).usage
      expectUntrusted(usage, ["promptTokens", "embeddingTokens", "totalTokens"], bad)
      expect(usage?.raw?.["prompt_tokens"]).toEqual(json(bad))
      const sent = usageToEmbeddingsUsage(usage)
      expect(
        [sent.prompt_tokens, sent.total_tokens].every((value) => Number.isSafeInteger(value) && value >= 0),
        bad,
      ).toBe(true)
    }
  })

  it("Ollama and Gemini embeddings: a bad count is untrusted, and a batch of untrusted usage stays untrusted when joined", () => {
    for (const bad of BAD) {
      const ollama = successOf(fromOllamaEmbedResponse(json(`{"model":"e","embeddings":[[0.5]],"prompt_eval_count":${bad}}`), 1)).usage
      expectUntrusted(ollama, ["promptTokens", "embeddingTokens", "totalTokens"], bad)
      const gemini = successOf(fromEmbedResponse(json(`{"embedding":{"values":[0.5]},"usageMetadata":{"promptTokenCount":${bad}}}`), 1))
      expectUntrusted(gemini.usage, ["promptTokens", "embeddingTokens", "totalTokens"], bad)
      const good = successOf(fromEmbedResponse({ embedding: { values: [0.5] }, usageMetadata: { promptTokenCount: 3 } }, 1))
      expectUntrusted(joinEmbedResults([good, gemini]).usage, ["promptTokens", "embeddingTokens", "totalTokens"], bad)
    }
  })

  it("Responses usage read from an upstream: bad figures untrusted; the client's usage is integers", () => {
    for (const bad of BAD) {
      const raw = { input_tokens: json(bad), output_tokens: 4, total_tokens: 10, output_tokens_details: { reasoning_tokens: json(bad) } }
      const usage = usageFromResponses(raw)
      expectUntrusted(usage, ["promptTokens", "totalTokens", "reasoningTokens"], bad)
      const sent = usageToResponses(usage)
      expect([sent.input_tokens, sent.output_tokens, sent.total_tokens, sent.output_tokens_details.reasoning_tokens].every((value) => Number.isSafeInteger(value) && value >= 0)).toBe(true)
    }
  })

  it("trusted figures carry no untrusted list", () => {
    const body = {
      id: "c",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 2_147_483_647, completion_tokens: 0, total_tokens: 2_147_483_647 },
    }
    expect(successOf(fromChatCompletion(body)).usage).toEqual({ promptTokens: 2_147_483_647, completionTokens: 0, totalTokens: 2_147_483_647, raw: body.usage })
  })
})
