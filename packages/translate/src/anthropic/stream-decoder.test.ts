import { readFileSync } from "node:fs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fold, runReducer, successOf } from "../../test/provider-stream.ts"
import { fromMessagesResponse } from "./from-messages-response.ts"
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

describe("Anthropic stream decoder: structured output through the forced tool", () => {
  it("the streamed content is the tool input alone; the text before it is kept apart, and the repair named", () => {
    const outputs = decode(fixtureLines("structured-tool-text-before.chunks.txt"), { structuredOutputTool: "json" })
    const content = outputs.flatMap((output) => (output.type === "chunk" && output.chunk.deltaContent !== undefined ? [output.chunk.deltaContent] : [])).join("")
    expect(content).toBe('{"a":1}')
    const result = fold(outputs)
    expect(result.content).toBe('{"a":1}')
    expect(result.unknownParts).toEqual([{ type: "text", text: "Sure." }])
    expect(result.repaired).toContain("text_beside_structured_output")
    expect(result.finishReason).toBe("stop")
  })

  it("a streamed answer that never called the forced tool keeps its text as the content (released at the stop)", () => {
    const lines = [
      JSON.stringify({ type: "message_start", message: { id: "m1", model: "c", usage: { input_tokens: 3 } } }),
      JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "I can't help with that." } }),
      JSON.stringify({ type: "content_block_stop", index: 0 }),
      JSON.stringify({ type: "message_delta", delta: { stop_reason: "refusal" }, usage: { output_tokens: 7 } }),
      JSON.stringify({ type: "message_stop" }),
    ]
    const result = fold(decode(lines, { structuredOutputTool: "json" }))
    expect(result.content).toBe("I can't help with that.")
    expect(result.finishReason).toBe("content_filter")
  })

  it("held text is bounded: past the stream limit the stream fails instead of growing", () => {
    const big = "x".repeat(1000)
    const lines = [
      JSON.stringify({ type: "message_start", message: { id: "m1", model: "c" } }),
      JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      ...Array.from({ length: 5 }, () => JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: big } })),
    ]
    const limits = { ...initialAnthropicStreamState().limits, maxArgumentCharsPerStream: 2500 }
    const outputs = runReducer(
      initialAnthropicStreamState({ structuredOutputTool: "json", limits }),
      decodeAnthropicStreamEvent,
      lines.map((data) => ({ type: "event" as const, data })),
    )
    expect(outputs.at(-1)).toMatchObject({ type: "error", error: { code: "invalid_upstream_stream" } })
  })
})

describe("Anthropic stream decoder: a model fallback block", () => {
  it("the fallback block's `to` model becomes the answer's model, the block kept", () => {
    const outputs = decode(fixtureLines("model-fallback.chunks.txt"))
    const result = fold(outputs)
    expect(result.model).toBe("claude-sonnet-4-5-20250929")
    expect(result.content).toBe("Here is the summary you asked for.")
    expect(result.unknownParts).toEqual([{ type: "fallback", from: { model: "claude-opus-4-5-20251101" }, to: { model: "claude-sonnet-4-5-20250929" }, trigger: { type: "refusal" } }])
  })
})

describe("Anthropic structured output laws", () => {
  it("whatever text comes beside the forced tool, streamed or not, the content is exactly the tool's JSON and the text is kept apart whole", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.integer(), fc.boolean(), (text, a, before) => {
        const input = { a }
        const textBlock = { type: "text", text }
        const toolBlock = { type: "tool_use", id: "t1", name: "json", input }
        const body = { id: "m1", model: "c", content: before ? [textBlock, toolBlock] : [toolBlock, textBlock], stop_reason: "tool_use" }
        const whole = successOf(fromMessagesResponse(body, { structuredOutputTool: "json" }))
        const start = (index: number, block: unknown) => JSON.stringify({ type: "content_block_start", index, content_block: block })
        const textEvents = (index: number) => [start(index, { type: "text", text: "" }), JSON.stringify({ type: "content_block_delta", index, delta: { type: "text_delta", text } }), JSON.stringify({ type: "content_block_stop", index })]
        const toolEvents = (index: number) => [
          start(index, { ...toolBlock, input: {} }),
          JSON.stringify({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(input) } }),
          JSON.stringify({ type: "content_block_stop", index }),
        ]
        const lines = [
          JSON.stringify({ type: "message_start", message: { id: "m1", model: "c" } }),
          ...(before ? [...textEvents(0), ...toolEvents(1)] : [...toolEvents(0), ...textEvents(1)]),
          JSON.stringify({ type: "message_delta", delta: { stop_reason: "tool_use" } }),
          JSON.stringify({ type: "message_stop" }),
        ]
        const streamed = fold(decode(lines, { structuredOutputTool: "json" }))
        for (const result of [whole, streamed]) {
          expect(result.content).toBe(JSON.stringify(input))
          expect(result.unknownParts).toEqual([{ type: "text", text }])
          expect(result.repaired).toContain("text_beside_structured_output")
        }
      }),
    )
  })
})
