import { describe, expect, it } from "vitest"
import type { StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { decodeCompletionStreamEvent, initialCompletionStreamState } from "./stream-decoder.ts"

/** Chunks shaped as the spec's "Streaming" example (paths./completions, x-oaiMeta), then the include_usage chunk OpenAI sends last. */
const chunk = (text: string, finish: string | null) => ({
  id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe",
  object: "text_completion",
  created: 1690759702,
  choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
  model: "gpt-3.5-turbo-instruct",
  system_fingerprint: "fp_44709d6fcb",
})
const usageChunk = { id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe", object: "text_completion", created: 1690759702, model: "gpt-3.5-turbo-instruct", choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }

function run(payloads: readonly (string | undefined)[]): StreamDecoderOutput[] {
  let state = initialCompletionStreamState()
  const out: StreamDecoderOutput[] = []
  for (const payload of payloads) {
    const [next, outputs] = decodeCompletionStreamEvent(state, payload === undefined ? { type: "end" } : { type: "data", data: payload })
    state = next
    out.push(...outputs)
  }
  return out
}

describe("decodeCompletionStreamEvent", () => {
  it("reads the spec's streamed chunks: identity once, text deltas, the finish, the usage", () => {
    const out = run([JSON.stringify(chunk("This", null)), JSON.stringify(chunk(" is", "length")), JSON.stringify(usageChunk), "[DONE]", undefined])
    expect(out).toEqual([
      { type: "chunk", chunk: { id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe", model: "gpt-3.5-turbo-instruct", created: 1690759702, systemFingerprint: "fp_44709d6fcb", deltaContent: "This" } },
      { type: "chunk", chunk: { systemFingerprint: "fp_44709d6fcb", deltaContent: " is", finishReason: "length", rawFinishReason: "length" } },
      { type: "chunk", chunk: { usage: { promptTokens: 5, completionTokens: 2, totalTokens: 7, raw: usageChunk.usage } } },
    ])
  })

  it("keeps each chunk's logprobs and each choice's index", () => {
    const second = { ...chunk("a", null), choices: [{ text: "a", index: 1, logprobs: { tokens: ["a"], token_logprobs: [-0.5], top_logprobs: [{ a: -0.5 }], text_offset: [3] }, finish_reason: null }] }
    const out = run([JSON.stringify(second)])
    expect(out).toMatchObject([{ type: "chunk", chunk: { choiceIndex: 1, deltaContent: "a", textLogprobs: { tokens: ["a"], tokenLogprobs: [-0.5], topLogprobs: [{ a: -0.5 }], textOffset: [3] } } }])
  })

  it("fails a stream cut before [DONE] and any finish, never a silent stop", () => {
    expect(run([JSON.stringify(chunk("This", null)), undefined]).at(-1)).toEqual({ type: "error", error: { _tag: "UpstreamError", code: "upstream_stream_incomplete", detail: "the upstream stream ended without a finish reason" } })
  })

  it("finishes a [DONE] without a finish reason as stop, and says so", () => {
    expect(run([JSON.stringify(chunk("This", null)), "[DONE]", undefined]).slice(1)).toEqual([
      { type: "chunk", chunk: { finishReason: "stop" } },
      { type: "chunk", chunk: { repaired: ["finish_reason_missing"] } },
    ])
  })

  it("drops output after a choice's finish, and names the repair", () => {
    const out = run([JSON.stringify(chunk("a", "stop")), JSON.stringify(chunk("late", null))])
    expect(out[1]).toEqual({ type: "chunk", chunk: { systemFingerprint: "fp_44709d6fcb", repaired: ["output_after_finish"] } })
  })

  it("turns an in-stream error frame into its reason, and junk into an invalid stream", () => {
    expect(run([JSON.stringify({ error: { message: "overloaded", type: "server_error", code: null } })])[0]).toMatchObject({ type: "error", error: { _tag: "UpstreamError" } })
    expect(run(["{not json"])[0]).toMatchObject({ type: "error", error: { code: "invalid_upstream_stream" } })
    expect(run([JSON.stringify({ choices: [{ text: 3 }] })])[0]).toMatchObject({ type: "error", error: { code: "invalid_upstream_stream" } })
  })
})
