import { Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { recordedLines } from "../../test/recorded-stream.ts"
import { ChatCompletionChunk } from "../wire/chat-chunk.ts"
import { isPlainTextChunk } from "./is-plain-text-chunk.ts"

const isChunk = Schema.is(ChatCompletionChunk)

/** Values of the right and the wrong kinds for each key the fast path looks at. */
const anyLeaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.constant({ a: 1 }))
const delta = fc.oneof(
  anyLeaf,
  fc.record({ role: anyLeaf, content: fc.oneof(anyLeaf, fc.constant([{ type: "text", text: "x" }])), refusal: anyLeaf, reasoning: anyLeaf, tool_calls: fc.oneof(anyLeaf, fc.constant([{ index: 0 }])) }, { requiredKeys: [] }),
)
const choice = fc.oneof(anyLeaf, fc.record({ index: anyLeaf, delta, finish_reason: anyLeaf, logprobs: fc.oneof(anyLeaf, fc.constant({ content: [] })), extra: anyLeaf }, { requiredKeys: [] }))
const chunk = fc.record(
  {
    id: anyLeaf,
    object: anyLeaf,
    created: anyLeaf,
    model: anyLeaf,
    choices: fc.oneof(anyLeaf, fc.array(choice, { maxLength: 3 })),
    usage: fc.oneof(anyLeaf, fc.constant({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })),
    system_fingerprint: anyLeaf,
    service_tier: anyLeaf,
    x_groq: anyLeaf,
    error: anyLeaf,
    obfuscation: anyLeaf,
  },
  { requiredKeys: [] },
)

describe("isPlainTextChunk, the stream's fast path", () => {
  it("accepts only what the full chunk schema accepts", () => {
    fc.assert(
      fc.property(chunk, (value) => {
        if (isPlainTextChunk(value)) expect(isChunk(value)).toBe(true)
      }),
      { numRuns: 5_000 },
    )
  })

  it("takes the text events of a real recorded stream, and leaves its usage chunk to the schema", () => {
    const values: unknown[] = recordedLines("openai-text").map((line) => JSON.parse(line))
    const fast = values.filter(isPlainTextChunk)
    // Every event but the final usage-only chunk is a plain text chunk.
    expect(fast.length).toBe(values.length - 1)
    expect(isPlainTextChunk(values.at(-1))).toBe(false)
  })

  it("refuses error frames, tool-call deltas and usage", () => {
    expect(isPlainTextChunk({ error: { message: "x" }, choices: [] })).toBe(false)
    expect(isPlainTextChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "{" } }] } }] })).toBe(false)
    expect(isPlainTextChunk({ choices: [], usage: { prompt_tokens: 1 } })).toBe(false)
    expect(isPlainTextChunk({ choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }] })).toBe(true)
  })
})
