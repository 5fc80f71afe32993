import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import type { GenerateChunk } from "../model/types.ts"
import { collectChunk, collectedResult, initialCollectState } from "./collect-generate-result.ts"
import { decodeStreamEvent, initialStreamDecoderState, type StreamDecoderOutput } from "./stream-decoder.ts"
import { encodeStreamEvent, initialStreamEncoderState } from "./stream-encoder.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { toOpenAIError } from "../errors/to-openai-error.ts"

const validateChunk = specValidator("CreateChatCompletionStreamResponse")

function decodeAll(lines: readonly unknown[], done = true): StreamDecoderOutput[] {
  let state = initialStreamDecoderState()
  const outputs: StreamDecoderOutput[] = []
  const events = [...lines.map((value) => ({ type: "data" as const, data: JSON.stringify(value) })), ...(done ? [{ type: "data" as const, data: "[DONE]" }] : []), { type: "end" as const }]
  for (const event of events) {
    const [next, out] = decodeStreamEvent(state, event)
    state = next
    outputs.push(...out)
  }
  return outputs
}

function collect(lines: readonly unknown[], done = true) {
  const chunks: GenerateChunk[] = decodeAll(lines, done).map((o) => {
    if (o.type === "error") throw new Error(JSON.stringify(o.error))
    return o.chunk
  })
  // Re-encoded for a client, every chunk is spec-valid.
  let encoder = initialStreamEncoderState({ id: "c", created: 1, model: "m" }, true)
  for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
    const [next, outputs] = encodeStreamEvent(encoder, event)
    encoder = next
    for (const output of outputs) {
      if (output.type === "error") throw new Error(JSON.stringify(output.error))
      if (output.type === "chunk") expect(validateChunk(JSON.parse(JSON.stringify(output.chunk)))).toEqual([])
    }
  }
  return collectedResult(chunks.reduce(collectChunk, initialCollectState))
}

describe("stream dialects (issue 10 §0, §1, §4, §5)", () => {
  it("maps Magistral thinking parts to reasoning and text parts to content; an unknown part is kept", () => {
    const result = collect([
      { id: "a", created: 1, model: "magistral", choices: [{ index: 0, delta: { role: "assistant", content: [{ type: "thinking", thinking: [{ type: "text", text: "Let me " }] }] } }] },
      { id: "a", created: 1, model: "magistral", choices: [{ index: 0, delta: { content: [{ type: "thinking", thinking: [{ type: "text", text: "think." }] }] } }] },
      {
        id: "a",
        created: 1,
        model: "magistral",
        choices: [
          {
            index: 0,
            delta: {
              content: [
                { type: "text", text: "42" },
                { type: "hologram", x: 1 },
              ],
            },
          },
        ],
      },
      { id: "a", created: 1, model: "magistral", choices: [{ index: 0, delta: { content: "" }, finish_reason: "stop" }] },
    ])
    expect(result).toMatchObject({ reasoning: "Let me think.", content: "42", unknownParts: [{ type: "hologram", x: 1 }], repaired: ["unknown_content_part"] })
  })

  it("finishes a stream that ended with [DONE] but no finish reason, and records it; a cut stream stays an error", () => {
    const lines = [{ choices: [{ delta: { content: "hi" } }] }]
    expect(collect(lines)).toMatchObject({ content: "hi", finishReason: "stop", repaired: ["finish_reason_missing", "id_missing", "model_missing", "created_missing"] })
    expect(decodeAll(lines, false).at(-1)).toMatchObject({ type: "error", error: { code: "upstream_stream_incomplete" } })
    const tools = [{ id: "a", created: 1, model: "m", choices: [{ delta: { tool_calls: [{ index: 0, id: "t", function: { name: "f", arguments: "{}" } }] } }] }]
    expect(collect(tools)).toMatchObject({ finishReason: "tool_calls", toolCalls: [{ id: "t", name: "f", arguments: "{}" }] })
  })

  it("reads chunks without choices, created as a string, and usage only under x_groq.usage", () => {
    const result = collect([
      { id: "a", created: "1770000000", model: "llama", x_groq: { id: "req_1" } },
      { id: "a", created: "1770000000", model: "llama", choices: [{ index: 0, delta: { content: "ok" }, finish_reason: "stop" }] },
      { id: "a", created: "1770000000", model: "llama", x_groq: { id: "req_1", usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, total_time: 0.5 } } },
    ])
    expect(result).toMatchObject({ content: "ok", created: 1_770_000_000, usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12, latencyMs: 500 }, repaired: ["created_string"] })
  })

  it("joins tool calls by the one rule: id '' then the real id, a name after the first fragment, object arguments", () => {
    const result = collect([
      { id: "a", created: 1, model: "m", choices: [{ delta: { tool_calls: [{ index: 0, id: "", function: { arguments: '{"a":' } }] } }] },
      { id: "a", created: 1, model: "m", choices: [{ delta: { tool_calls: [{ index: 0, id: "call_real", function: { name: "f", arguments: "1}" } }] } }] },
      { id: "a", created: 1, model: "m", choices: [{ delta: { tool_calls: [{ index: 1, function: { name: "g", arguments: { b: 2 } } }] } }] },
      { id: "a", created: 1, model: "m", choices: [{ delta: {}, finish_reason: "tool_calls" }] },
    ])
    expect(result?.toolCalls).toEqual([
      { id: "call_real", name: "f", arguments: '{"a":1}' },
      { id: "call_1", name: "g", arguments: '{"b":2}' },
    ])
    expect(result?.repaired).toEqual(["tool_arguments_object", "tool_call_id_missing"])
  })

  it("reads a legacy delta.function_call stream as a tool call", () => {
    const result = collect([
      { id: "a", created: 1, model: "m", choices: [{ delta: { role: "assistant", content: null, function_call: { name: "get_weather", arguments: "" } } }] },
      { id: "a", created: 1, model: "m", choices: [{ delta: { function_call: { arguments: '{"city":' } } }] },
      { id: "a", created: 1, model: "m", choices: [{ delta: { function_call: { arguments: '"Paris"}' } } }] },
      { id: "a", created: 1, model: "m", choices: [{ delta: {}, finish_reason: "function_call" }] },
    ])
    expect(result).toMatchObject({ content: null, finishReason: "tool_calls", toolCalls: [{ id: "call_0", name: "get_weather", arguments: '{"city":"Paris"}' }] })
  })

  it("keeps reasoning when reasoning_content is empty beside reasoning, and every choice of n > 1", () => {
    const result = collect([
      {
        id: "a",
        created: 1,
        model: "m",
        choices: [
          { index: 0, delta: { reasoning_content: "", reasoning: "hmm" } },
          { index: 1, delta: { content: "B" } },
        ],
      },
      {
        id: "a",
        created: 1,
        model: "m",
        choices: [
          { index: 0, delta: { content: "A" }, finish_reason: "end_turn" },
          { index: 1, delta: {}, finish_reason: "length" },
        ],
      },
    ])
    expect(result).toMatchObject({ reasoning: "hmm", content: "A", finishReason: "stop", rawFinishReason: "end_turn", additionalChoices: [{ index: 1, content: "B", finishReason: "length" }] })
  })

  it("forwards the upstream's extension fields (Perplexity citations) and streamed logprobs", () => {
    const logprobs = { content: [{ token: "A", logprob: -0.5, bytes: [65], top_logprobs: [] }], refusal: null }
    const result = collect([
      { id: "a", created: 1, model: "sonar", citations: ["https://a.test"], choices: [{ index: 0, delta: { content: "A" }, logprobs }] },
      { id: "a", created: 1, model: "sonar", citations: ["https://a.test"], choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    ])
    expect(result).toMatchObject({ extensions: { citations: ["https://a.test"] }, logprobs: { content: [{ token: "A", logprob: -0.5, bytes: [65], topLogprobs: [] }], refusal: null } })
  })
})

describe("mid-stream error frames", () => {
  it("reach the client as the upstream wrote them, redacted, whatever status their code implies", () => {
    const first = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null }] }
    const cases = [
      { error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error" } },
      { error: { message: "Rate limit reached for gpt-4o in organization org-1 on tokens per min.", type: "tokens", code: "rate_limit_exceeded" } },
      { error: { message: "Overloaded at worker-3.gpu.internal (10.0.0.7)", type: "overloaded_error" } },
    ]
    const shown: string[] = []
    for (const frame of cases) {
      const errors = decodeAll([first, frame], false).filter((o) => o.type === "error")
      expect(errors.length).toBe(1)
      let encoder = initialStreamEncoderState({ id: "c", created: 1, model: "m" }, false)
      const error = errors[0]?.type === "error" ? errors[0].error : { _tag: "Internal" as const }
      const [, outputs] = encodeStreamEvent(encoder, { type: "error", error })
      encoder = initialStreamEncoderState({ id: "c", created: 1, model: "m" }, false)
      const sent = outputs.find((o) => o.type === "error")
      shown.push(sent?.type === "error" ? toOpenAIError(sent.error).body.error.message : "")
    }
    expect(shown).toEqual(["The server had an error while processing your request. Sorry about that!", "Rate limit reached for gpt-4o in organization org-1 on tokens per min.", "Overloaded at [host] ([ip])"])
  })

  it("take a numeric HTTP code as their status (OpenRouter's documented error object, mid-stream)", () => {
    const first = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null }] }
    const frame: unknown = JSON.parse(readFileSync(new URL("../../test/error-bodies/openrouter-provider-error.json", import.meta.url), "utf8"))
    const errors = decodeAll([first, frame], false).filter((o) => o.type === "error")
    expect(errors.map((o) => (o.type === "error" ? o.error : undefined))).toMatchObject([{ _tag: "UpstreamError", upstreamStatus: 502 }])
    const limited = decodeAll([first, { error: { message: "slow down", code: 429 } }], false).filter((o) => o.type === "error")
    expect(limited.map((o) => (o.type === "error" ? o.error : undefined))).toMatchObject([{ _tag: "RateLimited", message: "slow down" }])
  })
})
