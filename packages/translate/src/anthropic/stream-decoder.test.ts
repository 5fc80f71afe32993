import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { fold, runReducer } from "../../test/provider-stream.ts"
import { decodeAnthropicStreamEvent, initialAnthropicStreamState, type AnthropicStreamEvent } from "./stream-decoder.ts"

/** A fixture under test/fixtures/anthropic (see its README), one event's `data:` JSON per line. */
const fixtureLines = (name: string): string[] =>
  readFileSync(new URL(`../../test/fixtures/anthropic/${name}`, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")

function decode(lines: readonly string[], options: { structuredOutputTool?: string } = {}) {
  const events: AnthropicStreamEvent[] = [...lines.map((data) => ({ type: "event" as const, data })), { type: "end" }]
  return runReducer(initialAnthropicStreamState(options), decodeAnthropicStreamEvent, events)
}

describe("Anthropic stream decoder: a repeated message_start", () => {
  it("a second message_start under a NEW id mid-message is a broken stream, not a truncated tool call", () => {
    const outputs = decode(fixtureLines("message-start-new-id.chunks.txt"))
    const errors = outputs.flatMap((output) => (output.type === "error" ? [output.error] : []))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ _tag: "UpstreamError", code: "invalid_upstream_stream" })
    // Nothing of the second message reaches the client: the error is the last output.
    expect(outputs[outputs.length - 1]?.type).toBe("error")
  })

  it("a repeated message_start under the SAME id stays accepted, the call whole", () => {
    const result = fold(decode(fixtureLines("message-start-same-id.chunks.txt")))
    expect(result.id).toBe("msg_01FirstAnswer")
    expect(result.toolCalls).toEqual([{ id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", arguments: '{"location": "San Francisco, CA"}' }])
    expect(result.usage).toMatchObject({ promptTokens: 472, completionTokens: 89 })
  })

  it("a message_start without an id after one with an id is accepted (nothing says it is another message)", () => {
    const lines = fixtureLines("message-start-same-id.chunks.txt").map((line, i) => (i === 3 ? line.replace('"id":"msg_01FirstAnswer",', "") : line))
    expect(fold(decode(lines)).id).toBe("msg_01FirstAnswer")
  })
})

describe("Anthropic stream decoder: thinking tokens", () => {
  it("reads message_delta's output_tokens_details.thinking_tokens as reasoning tokens; message_start's placeholder is not reported", () => {
    const outputs = decode(fixtureLines("stream-thinking-tokens.chunks.txt"))
    const first = outputs[0]
    expect(first?.type === "chunk" && first.chunk.usage?.reasoningTokens).toBeUndefined()
    const result = fold(outputs)
    expect(result.usage).toMatchObject({ promptTokens: 20, completionTokens: 60, reasoningTokens: 45, totalTokens: 80 })
  })
})
