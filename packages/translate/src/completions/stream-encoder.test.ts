import { describe, expect, it } from "vitest"
import type { StreamEncoderEvent } from "../chat/stream-encoder.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { encodeCompletionStreamEvent, initialCompletionStreamEncoderState, type CompletionStreamOutput } from "./stream-encoder.ts"

const validChunk = specValidator("CreateCompletionStreamChunk")
const identity = { id: "cmpl-gateway1", created: 1700000000, model: "gpt-3.5-turbo-instruct" }

function run(events: readonly StreamEncoderEvent[], includeUsage: boolean): CompletionStreamOutput[] {
  let state = initialCompletionStreamEncoderState(identity, includeUsage)
  const out: CompletionStreamOutput[] = []
  for (const event of events) {
    const [next, outputs] = encodeCompletionStreamEvent(state, event)
    state = next
    out.push(...outputs)
  }
  return out
}

const events: StreamEncoderEvent[] = [
  { type: "chunk", chunk: { id: "upstream", deltaContent: "This" } },
  { type: "chunk", chunk: { deltaContent: " is", finishReason: "length", textLogprobs: { tokens: [" is"], tokenLogprobs: [-1], topLogprobs: [{ " is": -1 }], textOffset: [4] } } },
  { type: "chunk", chunk: { usage: { promptTokens: 5, completionTokens: 2, totalTokens: 7 } } },
  { type: "chunk", chunk: { repaired: ["id_missing"] } },
  { type: "end" },
]

describe("encodeCompletionStreamEvent", () => {
  it("sends text_completion chunks with the gateway's identity, finish_reason null until the end, then [DONE]", () => {
    const out = run(events, false)
    expect(out).toEqual([
      { type: "chunk", chunk: { ...identity, object: "text_completion", choices: [{ text: "This", index: 0, logprobs: null, finish_reason: null }] } },
      { type: "chunk", chunk: { ...identity, object: "text_completion", choices: [{ text: " is", index: 0, logprobs: { tokens: [" is"], token_logprobs: [-1], top_logprobs: [{ " is": -1 }], text_offset: [4] }, finish_reason: "length" }] } },
      { type: "done" },
    ])
    for (const output of out) if (output.type === "chunk") expect(validChunk(output.chunk)).toEqual([])
  })

  it("with include_usage, sends the usage last in a chunk without choices", () => {
    const out = run(events, true)
    const usage = out.at(-2)
    expect(usage).toEqual({ type: "chunk", chunk: { ...identity, object: "text_completion", choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } } })
    if (usage?.type === "chunk") expect(validChunk(usage.chunk)).toEqual([])
    expect(out.at(-1)).toEqual({ type: "done" })
  })

  it("passes usage the upstream sent unasked (on a chunk with a choice, as vLLM and Groq do) to a client that did not ask, once, on the chunk it came with", () => {
    const usage = { promptTokens: 5, completionTokens: 2, totalTokens: 7 }
    const unasked: StreamEncoderEvent[] = [{ type: "chunk", chunk: { deltaContent: "This" } }, { type: "chunk", chunk: { deltaContent: " is", finishReason: "length", usage, usageUnsolicited: true } }, { type: "end" }]
    const out = run(unasked, false)
    expect(out).toEqual([
      { type: "chunk", chunk: { ...identity, object: "text_completion", choices: [{ text: "This", index: 0, logprobs: null, finish_reason: null }] } },
      { type: "chunk", chunk: { ...identity, object: "text_completion", choices: [{ text: " is", index: 0, logprobs: null, finish_reason: "length" }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } } },
      { type: "done" },
    ])
    for (const output of out) if (output.type === "chunk") expect(validChunk(output.chunk)).toEqual([])
    // A client that asked gets it once, on the usage chunk.
    const asked = run(unasked, true)
    expect(asked.filter((output) => output.type === "chunk" && output.chunk.usage !== undefined)).toHaveLength(1)
    expect(asked.at(-2)).toMatchObject({ type: "chunk", chunk: { choices: [], usage: { total_tokens: 7 } } })
  })

  it("sends unasked usage on a chunk of its own when the chunk it came with says nothing else", () => {
    const out = run([{ type: "chunk", chunk: { deltaContent: "Hi", finishReason: "stop" } }, { type: "chunk", chunk: { usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, usageUnsolicited: true } }, { type: "end" }], false)
    expect(out.at(-2)).toEqual({ type: "chunk", chunk: { ...identity, object: "text_completion", choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } })
    expect(out.at(-1)).toEqual({ type: "done" })
  })

  it("ends with the error and no [DONE] when the stream fails", () => {
    const out = run([events[0] ?? { type: "end" }, { type: "error", error: { _tag: "UpstreamTimeout", phase: "idle" } }, { type: "end" }], true)
    expect(out.slice(1)).toEqual([{ type: "error", error: { _tag: "UpstreamTimeout", phase: "idle" } }])
  })
})
