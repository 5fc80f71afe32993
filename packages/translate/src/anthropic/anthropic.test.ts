import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { recordedJson, recordedStreamLines } from "../../test/recorded-provider.ts"
import { reencodeForOpenAIClients } from "../../test/reencode-stream.ts"
import type { StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { toChatCompletion } from "../chat/to-chat-completion.ts"
import type { GenerateResult } from "../model/types.ts"
import { fromMessagesResponse } from "./from-messages-response.ts"
import { decodeAnthropicStreamEvent, initialAnthropicStreamState, type AnthropicStreamEvent } from "./stream-decoder.ts"
import { fold, runReducer, successOf } from "../../test/provider-stream.ts"

const identity = { id: "chatcmpl-1", created: 1_700_000_000, model: "claude" }
const validateCompletion = specValidator("CreateChatCompletionResponse")

function decodeStream(lines: readonly string[], options: { structuredOutputTool?: string } = {}, end = true): StreamDecoderOutput[] {
  const events: AnthropicStreamEvent[] = lines.map((data) => ({ type: "event", data }))
  if (end) events.push({ type: "end" })
  return runReducer(initialAnthropicStreamState(options), decodeAnthropicStreamEvent, events)
}

function decoded(name: string, options: { structuredOutputTool?: string } = {}): GenerateResult {
  return successOf(fromMessagesResponse(recordedJson("anthropic", name), options))
}

describe("Anthropic non-streamed answers (real recordings)", () => {
  it("reads a text answer with its usage and raw stop reason", () => {
    const result = decoded("anthropic-text")
    expect(result.content).toBe("Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?")
    expect(result.finishReason).toBe("stop")
    expect(result.rawFinishReason).toBe("end_turn")
    expect(result.id).toBe("msg_01VdEjxAP5ahtHKrrRdNBteQ")
    expect(result.model).toBe("claude-sonnet-4-5-20250929")
    expect(result.usage).toMatchObject({ promptTokens: 12, completionTokens: 29, totalTokens: 41, cachedTokens: 0, cacheWriteTokens: 0 })
    expect(result.usage?.raw).toMatchObject({ service_tier: "standard", inference_geo: "not_available" })
  })

  it("reads thinking as reasoning and keeps the signed block for the next turn", () => {
    const result = decoded("anthropic-clear-thinking.1")
    expect(result.content).toBe("925 ÷ 5 = 185")
    expect(result.reasoning).toBe("925 divided by 5 = 185")
    expect(result.thinkingBlocks).toHaveLength(1)
    expect(result.thinkingBlocks?.[0]).toMatchObject({ type: "thinking", thinking: "925 divided by 5 = 185" })
    const first = result.thinkingBlocks?.[0]
    expect(first?.type === "thinking" && first.signature.startsWith("Er4BCkYICxgCKkCoxqLH")).toBe(true)
  })

  it("reads a tool call with text before it and no arguments as {}", () => {
    const result = decoded("anthropic-tool-no-args")
    expect(result.finishReason).toBe("tool_calls")
    expect(result.rawFinishReason).toBe("tool_use")
    expect(result.content).toContain("Okay, I will update the current issue list:")
    expect(result.toolCalls).toEqual([{ id: "toolu_01LRmxn9vGM1d2DZSDBowdZ1", name: "updateIssueList", arguments: "{}" }])
  })

  it("reads the forced structured-output tool as the content, finishing with stop", () => {
    const result = decoded("anthropic-json-tool.1", { structuredOutputTool: "json" })
    expect(result.toolCalls).toBeUndefined()
    expect(result.finishReason).toBe("stop")
    expect(result.rawFinishReason).toBe("tool_use")
    expect(JSON.parse(result.content ?? "")).toMatchObject({ elements: [{ location: "San Francisco", temperature: -5, condition: "snowy" }, {}, {}, {}] })
  })

  it("without the structured-output option the same answer is an ordinary tool call", () => {
    const result = decoded("anthropic-json-tool.1")
    expect(result.toolCalls?.[0]?.name).toBe("json")
    expect(result.content).toBeNull()
    expect(result.finishReason).toBe("tool_calls")
  })

  it("reads native JSON output as text", () => {
    const result = decoded("anthropic-json-output-format.1")
    expect(JSON.parse(result.content ?? "")).toHaveProperty("recipe.name", "Classic Lasagna")
  })

  it("reads a refusal as content_filter with the raw reason", () => {
    const result = decoded("anthropic-refusal")
    expect(result.finishReason).toBe("content_filter")
    expect(result.rawFinishReason).toBe("refusal")
  })

  it("maps pause_turn to other (clients get stop) and keeps the raw value", () => {
    const outcome = fromMessagesResponse({ id: "m", model: "c", content: [{ type: "text", text: "…" }], stop_reason: "pause_turn" })
    expect(outcome.ok && outcome.value.finishReason).toBe("other")
    expect(outcome.ok && outcome.value.rawFinishReason).toBe("pause_turn")
  })

  it("counts cache reads and writes into the prompt, cached and cache-write tokens", () => {
    const outcome = fromMessagesResponse({
      id: "m",
      model: "c",
      content: [{ type: "text", text: "hi" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, output_tokens: 5 },
    })
    expect(outcome.ok && outcome.value.usage).toMatchObject({ promptTokens: 1210, completionTokens: 5, totalTokens: 1215, cachedTokens: 1000, cacheWriteTokens: 200 })
  })

  it("counts the cache writes kept for an hour apart (their price is higher), and reads an odd cache_creation as nothing", () => {
    const answer = (cacheCreation: unknown) =>
      fromMessagesResponse({
        id: "m",
        model: "c",
        content: [{ type: "text", text: "hi" }],
        stop_reason: "end_turn",
        usage: { input_tokens: 10, cache_creation_input_tokens: 200, cache_creation: cacheCreation, output_tokens: 5 },
      })
    const split = answer({ ephemeral_5m_input_tokens: 50, ephemeral_1h_input_tokens: 150 })
    expect(split.ok && split.value.usage).toMatchObject({ promptTokens: 210, cacheWriteTokens: 200, cacheWrite1hTokens: 150 })
    for (const odd of ["lots", null, { ephemeral_1h_input_tokens: "150" }]) {
      const outcome = answer(odd)
      expect(outcome.ok).toBe(true)
      expect(outcome.ok && outcome.value.usage?.cacheWrite1hTokens).toBeUndefined()
    }
  })

  it("keeps block types it does not know, and refuses what is not a message", () => {
    const outcome = fromMessagesResponse({ id: "m", model: "c", content: [{ type: "server_tool_use", id: "s", name: "web_search", input: {} }], stop_reason: "end_turn" })
    expect(outcome.ok && outcome.value.unknownParts).toEqual([{ type: "server_tool_use", id: "s", name: "web_search", input: {} }])
    expect(fromMessagesResponse({ choices: [] }).ok).toBe(false)
  })

  it.each(["anthropic-text", "anthropic-clear-thinking.1", "anthropic-tool-no-args", "anthropic-json-tool.1", "anthropic-refusal", "anthropic-json-output-format.1"])("%s re-encoded for OpenAI clients is a valid chat completion", (name) => {
    expect(validateCompletion(toChatCompletion(decoded(name), identity))).toEqual([])
  })
})

describe("Anthropic streams (real recordings)", () => {
  it("streams text with identity first and usage merged from message_start and message_delta", () => {
    const result = fold(decodeStream(recordedStreamLines("anthropic", "anthropic-text")))
    expect(result.content).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?")
    expect(result.id).toBe("msg_01QC4g3HwBThD4BaNtBckFDJ")
    expect(result.finishReason).toBe("stop")
    expect(result.usage).toMatchObject({ promptTokens: 12, completionTokens: 30, cachedTokens: 0 })
  })

  it("does not report message_start's output_tokens placeholder as the completion: a stream cut before message_delta has no completion count", () => {
    const lines = recordedStreamLines("anthropic", "anthropic-text")
    const cut = lines.filter((line) => !line.includes('"message_delta"') && !line.includes('"message_stop"'))
    const usages = decodeStream(cut, {}, false).flatMap((output) => (output.type === "chunk" && output.chunk.usage !== undefined ? [output.chunk.usage] : []))
    expect(usages.length).toBeGreaterThan(0)
    expect(usages.every((usage) => usage.completionTokens === undefined && usage.totalTokens === undefined)).toBe(true)
    expect(usages.at(-1)?.promptTokens).toBe(12)
    // The whole stream still ends with message_delta's count.
    expect(fold(decodeStream(lines)).usage).toMatchObject({ promptTokens: 12, completionTokens: 30, totalTokens: 42 })
  })

  it("drops content sent after the stop reason (repair output_after_finish, named once), so the client's stream ends as the row says", () => {
    const lines = [
      { type: "message_start", message: { id: "msg_1", model: "claude", content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "done" } },
      { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 1 } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " late" } },
      { type: "content_block_start", index: 1, content_block: { type: "text", text: "later" } },
      { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: " still" } },
      { type: "message_stop" },
    ].map((line) => JSON.stringify(line))
    const outputs = decodeStream(lines)
    const result = fold(outputs)
    expect(result.content).toBe("done")
    expect(result.repaired).toEqual(["output_after_finish"])
    expect(result.finishReason).toBe("stop")
  })

  it("takes the input tokens message_delta restates", () => {
    const result = fold(decodeStream(recordedStreamLines("anthropic", "anthropic-message-delta-input-tokens")))
    expect(result.content).toBe("pong")
    expect(result.usage).toMatchObject({ promptTokens: 61, completionTokens: 2 })
  })

  it("streams thinking as reasoning deltas and emits the signed block when it stops", () => {
    const outputs = decodeStream(recordedStreamLines("anthropic", "anthropic-clear-thinking.1"))
    const result = fold(outputs)
    expect(result.reasoning).toBe("The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185")
    expect(result.content).toBe("925 ÷ 5 = 185")
    const block = result.thinkingBlocks?.[0]
    expect(block?.type).toBe("thinking")
    expect(block?.type === "thinking" && block.thinking).toBe(result.reasoning)
    expect(block?.type === "thinking" && block.signature.startsWith("EvQBCkYICxgCKkAxhD4N")).toBe(true)
  })

  it("streams a tool call without arguments as {} after the text", () => {
    const outputs = decodeStream(recordedStreamLines("anthropic", "anthropic-tool-no-args"))
    const result = fold(outputs)
    expect(result.content).toBe("I'll update the issue list for you.")
    expect(result.toolCalls).toEqual([{ id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP", name: "updateIssueList", arguments: "{}" }])
    expect(result.finishReason).toBe("tool_calls")
  })

  it("joins streamed input_json_delta arguments, or reads them as content for the structured-output tool", () => {
    const lines = recordedStreamLines("anthropic", "anthropic-json-tool.1")
    const asTool = fold(decodeStream(lines))
    expect(asTool.toolCalls?.[0]?.arguments).toBe('{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}')
    const asContent = fold(decodeStream(lines, { structuredOutputTool: "json" }))
    expect(asContent.toolCalls).toBeUndefined()
    expect(asContent.content).toBe('{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}')
    expect(asContent.finishReason).toBe("stop")
  })

  it("streams a refusal as content_filter", () => {
    const result = fold(decodeStream(recordedStreamLines("anthropic", "anthropic-refusal")))
    expect(result.finishReason).toBe("content_filter")
    expect(result.rawFinishReason).toBe("refusal")
  })

  it.each(["anthropic-text", "anthropic-clear-thinking.1", "anthropic-tool-no-args", "anthropic-json-tool.1", "anthropic-refusal", "anthropic-message-delta-input-tokens", "anthropic-json-output-format.1"])(
    "%s re-encoded for OpenAI clients is a valid chunk stream ending in [DONE]",
    (name) => {
      const { problems, done, chunks } = reencodeForOpenAIClients(decodeStream(recordedStreamLines("anthropic", name)))
      expect(problems).toEqual([])
      expect(done).toBe(true)
      expect(chunks).toBeGreaterThan(1)
    },
  )

  it("a stream cut before message_stop is an error, not a silent stop", () => {
    const lines = recordedStreamLines("anthropic", "anthropic-text").slice(0, 5)
    const outputs = decodeStream(lines)
    expect(outputs.at(-1)).toMatchObject({ type: "error", error: { _tag: "UpstreamError", code: "upstream_stream_incomplete" } })
  })

  it("an overloaded error event is a retryable unavailable upstream", () => {
    const outputs = decodeStream([recordedStreamLines("anthropic", "anthropic-text")[0] ?? "", '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'])
    expect(outputs.at(-1)).toMatchObject({ type: "error", error: { _tag: "UpstreamUnavailable", message: "Overloaded" } })
  })

  it("an event that is not JSON is an invalid stream", () => {
    expect(decodeStream(["{nope"]).at(-1)).toMatchObject({ type: "error", error: { code: "invalid_upstream_stream" } })
  })
})

/** An Anthropic answer's content blocks, as the API could send them. */
const identifier = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/)
const block = fc.oneof(
  fc.record({ type: fc.constant("text"), text: fc.string({ minLength: 1, maxLength: 30 }) }),
  fc.record({
    type: fc.constant("text"),
    text: fc.string({ minLength: 1, maxLength: 30 }),
    citations: fc.array(fc.record({ type: fc.constant("char_location"), cited_text: fc.string({ maxLength: 10 }), document_index: fc.nat(3), start_char_index: fc.nat(50), end_char_index: fc.nat(50) }), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ type: fc.constant("thinking"), thinking: fc.string({ minLength: 1, maxLength: 30 }), signature: fc.base64String({ minLength: 4, maxLength: 40 }) }),
  fc.record({ type: fc.constant("redacted_thinking"), data: fc.base64String({ minLength: 4, maxLength: 40 }) }),
  fc.record({ type: fc.constant("tool_use"), id: identifier.map((id) => `toolu_${id}`), name: identifier, input: fc.dictionary(identifier, fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 }) }),
)
const answer = fc.record({
  blocks: fc.array(block, { maxLength: 6 }),
  stop: fc.constantFrom("end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal", "pause_turn"),
  input: fc.nat({ max: 10_000 }),
  output: fc.nat({ max: 10_000 }),
  cacheRead: fc.nat({ max: 10_000 }),
  cuts: fc.array(fc.nat({ max: 30 }), { maxLength: 3 }),
})

/** A text cut at the given places: how a stream could deliver it. */
function pieces(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((cut) => Math.min(cut, text.length)))].sort((a, b) => a - b)
  const out: string[] = []
  let from = 0
  for (const cut of at) {
    out.push(text.slice(from, cut))
    from = cut
  }
  out.push(text.slice(from))
  return out
}

/** The SSE data lines the Messages API sends for that answer, as its streaming docs describe them. */
function asStream(a: AnswerValue): string[] {
  const lines: unknown[] = [{ type: "message_start", message: { id: "msg_1", model: "claude", content: [], stop_reason: null, usage: { input_tokens: a.input, cache_read_input_tokens: a.cacheRead, output_tokens: 1 } } }]
  a.blocks.forEach((b, index) => {
    switch (b.type) {
      case "text":
        lines.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } })
        for (const text of pieces(b.text, a.cuts)) lines.push({ type: "content_block_delta", index, delta: { type: "text_delta", text } })
        for (const citation of "citations" in b ? b.citations : []) lines.push({ type: "content_block_delta", index, delta: { type: "citations_delta", citation } })
        break
      case "thinking":
        lines.push({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } })
        for (const thinking of pieces(b.thinking, a.cuts)) lines.push({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking } })
        lines.push({ type: "content_block_delta", index, delta: { type: "signature_delta", signature: b.signature } })
        break
      case "redacted_thinking":
        lines.push({ type: "content_block_start", index, content_block: { type: "redacted_thinking", data: b.data } })
        break
      case "tool_use":
        lines.push({ type: "content_block_start", index, content_block: { type: "tool_use", id: b.id, name: b.name, input: {} } })
        for (const partial_json of pieces(Object.keys(b.input).length === 0 ? "" : JSON.stringify(b.input), a.cuts)) lines.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } })
        break
    }
    lines.push({ type: "ping" })
    lines.push({ type: "content_block_stop", index })
  })
  lines.push({ type: "message_delta", delta: { stop_reason: a.stop, stop_sequence: null }, usage: { output_tokens: a.output } })
  lines.push({ type: "message_stop" })
  return lines.map((line) => JSON.stringify(line))
}
type AnswerValue = typeof answer extends fc.Arbitrary<infer T> ? T : never

function asMessage(a: AnswerValue): unknown {
  return { id: "msg_1", model: "claude", type: "message", role: "assistant", content: a.blocks, stop_reason: a.stop, usage: { input_tokens: a.input, cache_read_input_tokens: a.cacheRead, output_tokens: a.output } }
}

describe("Anthropic laws", () => {
  it("a stream folded gives what the non-streamed answer with the same blocks decodes to", () => {
    fc.assert(
      fc.property(answer, (a) => {
        const streamed = fold(decodeStream(asStream(a)))
        const whole = fromMessagesResponse(asMessage(a))
        if (!whole.ok) throw new Error("not decoded")
        // Arguments are compared as JSON: the stream carries the model's text, the non-streamed answer an object.
        const normalise = (r: GenerateResult) => ({ ...r, usage: { ...r.usage, raw: undefined }, toolCalls: r.toolCalls?.map((c) => ({ ...c, arguments: JSON.parse(c.arguments) })) })
        expect(normalise(streamed)).toEqual(normalise(whole.value))
      }),
    )
  })

  it("any answer, streamed or not, re-encoded for OpenAI clients is valid", () => {
    fc.assert(
      fc.property(answer, (a) => {
        const outputs = decodeStream(asStream(a))
        expect(validateCompletion(toChatCompletion(fold(outputs), identity))).toEqual([])
        const { problems, done } = reencodeForOpenAIClients(outputs)
        expect(problems).toEqual([])
        expect(done).toBe(true)
      }),
      { numRuns: 30 },
    )
  })
})
