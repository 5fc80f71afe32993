import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { recordedJson, recordedStreamLines } from "../../test/recorded-provider.ts"
import { fold, runReducer, successOf } from "../../test/provider-stream.ts"
import { encodeMessagesRequest } from "../anthropic/encode-messages-request.ts"
import { fromMessagesResponse } from "../anthropic/from-messages-response.ts"
import { decodeAnthropicStreamEvent, initialAnthropicStreamState, type AnthropicStreamEvent } from "../anthropic/stream-decoder.ts"
import type { GenerateChunk } from "../model/types.ts"
import { decodeChatRequest } from "./decode-chat-request.ts"
import { nestedFieldDispositions } from "./field-dispositions.ts"
import { encodeStreamEvent, initialStreamEncoderState } from "./stream-encoder.ts"
import { toChatCompletion } from "./to-chat-completion.ts"

/**
 * The LiteLLM-compatible `thinking_blocks` extension: a provider's signed reasoning goes
 * out on the assistant message (and stream delta), and comes back on the client's next
 * request, so an Anthropic tool-use turn with thinking can be continued. Answers are
 * the real recording anthropic-clear-thinking.1 (shared/fixtures/recorded/anthropic).
 */
const identity = { id: "chatcmpl-1", created: 1_700_000_000, model: "claude" }
const recordedSignature =
  "Er4BCkYICxgCKkCoxqLHLrx4mFL9Ox7/aHKht87WDzXfvZ7qbZKSnHV8imA5b3LXxuVqcXQ9z5sXwDx20JIW/+6DJehOSNK72L83Egx0T9s7VzB6QUK9g5kaDO9lGaWN5CPEDJU0lyIw4+Ed3q4N9w+16h3cfQ+9stJXHCl+1nYDxjIOLcyJT8Ug/LTmtlp4bbxWmmfNicayKiasdReHiOnqz1sKEF0pR4kcnF5mQGdLxk8q3A3NY+wGsH8MtUIqxRgB"

describe("thinking_blocks (LiteLLM-compatible extension)", () => {
  it("goes out on the non-streamed assistant message, valid against the official spec", () => {
    const result = successOf(fromMessagesResponse(recordedJson("anthropic", "anthropic-clear-thinking.1")))
    const wire = JSON.parse(JSON.stringify(toChatCompletion(result, identity)))
    expect(specValidator("CreateChatCompletionResponse")(wire)).toEqual([])
    expect(wire.choices[0].message.thinking_blocks).toEqual([{ type: "thinking", thinking: "925 divided by 5 = 185", signature: recordedSignature }])
    expect(wire.choices[0].message.reasoning_content).toBe("925 divided by 5 = 185")
  })

  it("is absent when the answer had no signed reasoning", () => {
    const result = successOf(fromMessagesResponse(recordedJson("anthropic", "anthropic-text")))
    const wire = JSON.parse(JSON.stringify(toChatCompletion(result, identity)))
    expect(wire.choices[0].message).not.toHaveProperty("thinking_blocks")
  })

  it("goes out on a stream delta when a block completes, every chunk valid against the spec", () => {
    const events: AnthropicStreamEvent[] = [...recordedStreamLines("anthropic", "anthropic-clear-thinking.1").map((data) => ({ type: "event" as const, data })), { type: "end" }]
    const decoded = runReducer(initialAnthropicStreamState(), decodeAnthropicStreamEvent, events)
    const chunks: GenerateChunk[] = decoded.flatMap((output) => (output.type === "chunk" ? [output.chunk] : []))
    let state = initialStreamEncoderState(identity, true)
    const sent: Record<string, unknown>[] = []
    for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
      const [next, outputs] = encodeStreamEvent(state, event)
      state = next
      for (const output of outputs) if (output.type === "chunk") sent.push(JSON.parse(JSON.stringify(output.chunk)))
    }
    const validate = specValidator("CreateChatCompletionStreamResponse")
    for (const chunk of sent) expect(validate(chunk)).toEqual([])
    const blocks = sent.flatMap((chunk) => {
      const choices = Array.isArray(chunk["choices"]) ? chunk["choices"] : []
      return choices.flatMap((choice: { delta?: { thinking_blocks?: unknown[] } }) => choice.delta?.thinking_blocks ?? [])
    })
    const expected = fold(decoded).thinkingBlocks
    expect(blocks).toEqual(expected)
    expect(blocks).toHaveLength(1)
  })

  it("comes back in on the assistant message and reaches Anthropic unaltered, before the tool use", () => {
    const result = successOf(fromMessagesResponse(recordedJson("anthropic", "anthropic-clear-thinking.1")))
    const answer = JSON.parse(JSON.stringify(toChatCompletion(result, identity))).choices[0].message
    const body = {
      model: "claude",
      reasoning_effort: "low",
      messages: [
        { role: "user", content: "925 / 5, with the calculator" },
        { ...answer, content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "calc", arguments: '{"x":925}' } }] },
        { role: "tool", tool_call_id: "toolu_1", content: "185" },
      ],
      tools: [{ type: "function", function: { name: "calc", parameters: { type: "object" } } }],
    }
    const call = successOf(decodeChatRequest(body))
    expect(call.input.messages[1]).toMatchObject({ role: "assistant", thinkingBlocks: [{ type: "thinking", thinking: "925 divided by 5 = 185", signature: recordedSignature }] })
    const encoded = successOf(encodeMessagesRequest(call, { defaultMaxTokens: 4096 }))
    expect(encoded.body.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", thinking: "925 divided by 5 = 185", signature: recordedSignature },
        { type: "tool_use", id: "toolu_1", name: "calc", input: { x: 925 } },
      ],
    })
  })

  it("accepts redacted blocks back, and the reasoning_content a client echoes (its signed form is thinking_blocks)", () => {
    const call = successOf(
      decodeChatRequest({
        model: "m",
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "hello", reasoning_content: "thought", thinking_blocks: [{ type: "redacted_thinking", data: "EmwKAhgBEgy3va" }] },
          { role: "user", content: "again" },
        ],
      }),
    )
    expect(call.input.messages[1]).toEqual({ role: "assistant", content: "hello", thinkingBlocks: [{ type: "redacted_thinking", data: "EmwKAhgBEgy3va" }] })
    expect(nestedFieldDispositions["messages[].thinking_blocks"].kind).toBe("supported")
    expect(nestedFieldDispositions["messages[].reasoning_content"].kind).toBe("ignored")
  })

  it("refuses a malformed block naming its path, never dropping it", () => {
    const outcome = decodeChatRequest({
      model: "m",
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello", thinking_blocks: [{ type: "thinking", thinking: "no signature" }] },
      ],
    })
    expect(outcome.ok).toBe(false)
    if (!outcome.ok) expect(outcome.error).toMatchObject({ _tag: "InvalidRequest", param: expect.stringMatching(/^messages\[1\]\.thinking_blocks\[0\]/) })
  })
})
