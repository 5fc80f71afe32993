import { readFileSync } from "node:fs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { runReducer, successOf } from "../../test/provider-stream.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { fromMessagesResponse } from "../anthropic/from-messages-response.ts"
import { decodeAnthropicStreamEvent, initialAnthropicStreamState } from "../anthropic/stream-decoder.ts"
import type { StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { collectChunk, collectedResult, initialCollectState } from "../chat/collect-generate-result.ts"
import { fromChatCompletion } from "../chat/from-chat-completion.ts"
import { decodeStreamEvent, initialStreamDecoderState } from "../chat/stream-decoder.ts"
import { fromGenerateResponse } from "../gemini/from-generate-response.ts"
import { decodeGeminiStreamEvent, initialGeminiStreamState } from "../gemini/stream-decoder.ts"
import type { GenerateChunk, GenerateResult } from "../model/types.ts"
import type { OutputItemOut, ResponseOut } from "../wire/responses-out.ts"
import { decodeResponsesRequest } from "./decode-responses-request.ts"
import { encodeResponsesStream } from "./stream-encoder.ts"
import { toResponse } from "./to-response.ts"

const validResponse = specValidator("Response")
const identity = { id: "resp_order", createdAt: 1_700_000_000, model: "m-1" }
const decoded = decodeResponsesRequest({ model: "m", input: "x" })
if (!decoded.ok) throw new Error("refused")
const call = decoded.value

/** The Response a stream of chunks ends in, and the order its items were announced (`output_item.added`). */
function streamed(chunks: readonly GenerateChunk[]): { readonly response: ResponseOut; readonly added: readonly string[] } {
  const outputs = encodeResponsesStream(identity, call, [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const, completedAt: 9 }])
  const added: string[] = []
  let response: ResponseOut | undefined
  for (const output of outputs) {
    if (output.type !== "event") throw new Error(JSON.stringify(output.error))
    const event = output.event
    if (event.type === "response.output_item.added") added.push(`${event.item.type}@${event.output_index}`)
    if (event.type === "response.completed" || event.type === "response.incomplete" || event.type === "response.failed") response = event.response
  }
  if (response === undefined) throw new Error("no final response")
  return { response, added }
}

const order = (output: readonly OutputItemOut[]): string[] => output.map((item, index) => `${item.type}@${index}`)
const nonStreamed = (result: GenerateResult): ResponseOut => toResponse(result, call, identity, 9)
const chunksOf = (outputs: readonly StreamDecoderOutput[]): GenerateChunk[] =>
  outputs.map((output) => {
    if (output.type === "error") throw new Error(JSON.stringify(output.error))
    return output.chunk
  })

/** The non-streamed Response has the items, in the order, the stream of the same answer announces and ends with. */
function expectSameOrder(whole: GenerateResult, chunks: readonly GenerateChunk[]): void {
  const direct = nonStreamed(whole)
  const stream = streamed(chunks)
  expect(validResponse(direct)).toEqual([])
  expect(order(direct.output)).toEqual(stream.added)
  expect(direct.output.map(parsedArguments)).toEqual(stream.response.output.map(parsedArguments))
}

/** Anthropic streams a call's input as JSON text with its own spacing; the non-streamed answer's is re-serialised: the same JSON. */
const parsedArguments = (item: OutputItemOut): unknown => (item.type === "function_call" ? { ...item, arguments: JSON.parse(item.arguments) } : item)

const fixtureText = (path: string) => readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url), "utf8")
const fixtureLines = (path: string) =>
  fixtureText(path)
    .split("\n")
    .filter((line) => line.trim() !== "")
const anthropicStream = (lines: readonly string[]) => runReducer(initialAnthropicStreamState(), decodeAnthropicStreamEvent, [...lines.map((data) => ({ type: "event" as const, data })), { type: "end" as const }])
const chatStream = (lines: readonly string[]) => runReducer(initialStreamDecoderState(), decodeStreamEvent, [...lines.map((data) => ({ type: "data" as const, data })), { type: "end" as const }])
const geminiStream = (lines: readonly string[]) => runReducer(initialGeminiStreamState(), decodeGeminiStreamEvent, [...lines.map((data) => ({ type: "data" as const, data })), { type: "end" as const }])

describe("Responses output order: the non-streamed Response keeps the upstream's order, as the stream does", () => {
  it("Anthropic thinking blocks between tool_use blocks (interleaved thinking) stay between them", () => {
    // test/fixtures/anthropic/interleaved-thinking-tools.* (see the folder's README for the pages they follow).
    const whole = successOf(fromMessagesResponse(JSON.parse(fixtureText("anthropic/interleaved-thinking-tools.json"))))
    expect(order(nonStreamed(whole).output)).toEqual(["reasoning@0", "function_call@1", "reasoning@2", "function_call@3"])
    expectSameOrder(whole, chunksOf(anthropicStream(fixtureLines("anthropic/interleaved-thinking-tools.chunks.txt"))))
  })

  it("Gemini thought parts between functionCall parts stay between them", () => {
    // test/fixtures/gemini/thoughts-between-calls.* (see the folder's README).
    const whole = successOf(fromGenerateResponse(JSON.parse(fixtureText("gemini/thoughts-between-calls.json"))))
    expect(order(nonStreamed(whole).output)).toEqual(["reasoning@0", "function_call@1", "reasoning@2", "function_call@3"])
    expectSameOrder(whole, chunksOf(geminiStream(fixtureLines("gemini/thoughts-between-calls.chunks.txt"))))
  })

  it("OpenAI-compatible content parts keep their order (Magistral thinking parts), streamed a part per delta or not", () => {
    // test/fixtures/mistral/magistral-thinking.* (see test/fixtures/README.md): thinking, then text, the default order (two answers, different texts).
    const magistral = nonStreamed(successOf(fromChatCompletion(JSON.parse(fixtureText("mistral/magistral-thinking.json")))))
    expect(order(magistral.output)).toEqual(["reasoning@0", "message@1"])
    expect(streamed(chunksOf(chatStream(fixtureLines("mistral/magistral-thinking.chunks.txt")))).added).toEqual(order(magistral.output))
    // The same part shapes with text before and after the thinking.
    const body = JSON.parse(fixtureText("mistral/magistral-thinking.json"))
    const [thinking, text] = body.choices[0].message.content
    body.choices[0].message.content = [{ type: "text", text: "First: " }, thinking, text]
    const whole = successOf(fromChatCompletion(body))
    expect(order(nonStreamed(whole).output)).toEqual(["message@0", "reasoning@1", "message@2"])
    const delta = (content: unknown, finish: string | null) => JSON.stringify({ id: body.id, object: "chat.completion.chunk", created: body.created, model: body.model, choices: [{ index: 0, delta: { content }, finish_reason: finish }] })
    expectSameOrder(whole, chunksOf(chatStream([delta("First: ", null), delta([thinking], null), delta(text.text, null), delta("", "stop")])))
  })

  it("an answer in the default order keeps today's Response: reasoning, the message, then function calls", () => {
    const whole: GenerateResult = { reasoning: "r", content: "t", refusal: "no", toolCalls: [{ id: "c1", name: "f", arguments: "{}" }], finishReason: "tool_calls" }
    expect(order(nonStreamed(whole).output)).toEqual(["reasoning@0", "message@1", "function_call@2"])
    expect(nonStreamed(whole).output[1]).toMatchObject({
      content: [
        { type: "output_text", text: "t" },
        { type: "refusal", refusal: "no" },
      ],
    })
  })

  type Block = { readonly type: "thinking"; readonly text: string } | { readonly type: "text"; readonly text: string } | { readonly type: "tool_use"; readonly args: { readonly n: number } }
  const block: fc.Arbitrary<Block> = fc.oneof(
    fc.record({ type: fc.constant("thinking" as const), text: fc.string({ minLength: 1, maxLength: 12 }) }),
    fc.record({ type: fc.constant("text" as const), text: fc.string({ minLength: 1, maxLength: 12 }) }),
    fc.record({ type: fc.constant("tool_use" as const), args: fc.record({ n: fc.integer() }) }),
  )

  it("any Anthropic answer: the non-streamed Response's items come in the order the stream announces them", () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 8 }), (blocks) => {
        // Shapes as in the Messages API reference (https://docs.claude.com/en/api/messages) and the streaming page's event sequence.
        const content = blocks.map((b, i) =>
          b.type === "thinking" ? { type: "thinking", thinking: b.text, signature: `s${i}` } : b.type === "text" ? { type: "text", text: b.text } : { type: "tool_use", id: `toolu_${i}`, name: "f", input: b.args },
        )
        const stop = blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn"
        const body = { id: "msg_1", type: "message", role: "assistant", model: "claude-x", content, stop_reason: stop, usage: { input_tokens: 1, output_tokens: 2 } }
        const lines = [
          JSON.stringify({ type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [], usage: { input_tokens: 1, output_tokens: 1 } } }),
          ...blocks.flatMap((b, index) => {
            const start = (content_block: unknown) => JSON.stringify({ type: "content_block_start", index, content_block })
            const delta = (d: unknown) => JSON.stringify({ type: "content_block_delta", index, delta: d })
            const stopLine = JSON.stringify({ type: "content_block_stop", index })
            if (b.type === "thinking") return [start({ type: "thinking", thinking: "" }), delta({ type: "thinking_delta", thinking: b.text }), delta({ type: "signature_delta", signature: `s${index}` }), stopLine]
            if (b.type === "text") return [start({ type: "text", text: "" }), delta({ type: "text_delta", text: b.text }), stopLine]
            return [start({ type: "tool_use", id: `toolu_${index}`, name: "f", input: {} }), delta({ type: "input_json_delta", partial_json: JSON.stringify(b.args) }), stopLine]
          }),
          JSON.stringify({ type: "message_delta", delta: { stop_reason: stop }, usage: { output_tokens: 2 } }),
          JSON.stringify({ type: "message_stop" }),
        ]
        expectSameOrder(successOf(fromMessagesResponse(body)), chunksOf(anthropicStream(lines)))
      }),
      { numRuns: 200 },
    )
  })

  it("any Gemini answer streamed a part per chunk: the non-streamed Response's items come in the order the stream announces them", () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 8 }), (blocks) => {
        // Part shapes as in https://ai.google.dev/gemini-api/docs/thinking (thought parts) and .../function-calling (functionCall parts).
        const parts = blocks.map((b) => (b.type === "thinking" ? { text: b.text, thought: true } : b.type === "text" ? { text: b.text } : { functionCall: { name: "f", args: b.args } }))
        const response = (chosen: readonly unknown[], last: boolean) => ({
          candidates: [{ content: { role: "model", parts: chosen }, index: 0, ...(last ? { finishReason: "STOP" } : {}) }],
          responseId: "r1",
          modelVersion: "gemini-x",
        })
        const lines = parts.map((part, i) => JSON.stringify(response([part], i === parts.length - 1)))
        expectSameOrder(successOf(fromGenerateResponse(response(parts, true))), chunksOf(geminiStream(lines)))
      }),
      { numRuns: 200 },
    )
  })

  it("any stream collected into one result: the Response built from the result is the stream's own", () => {
    const piece: fc.Arbitrary<GenerateChunk | "call"> = fc.oneof(
      fc.string({ minLength: 1, maxLength: 6 }).map((deltaReasoning) => ({ deltaReasoning })),
      fc.string({ minLength: 1, maxLength: 6 }).map((deltaContent) => ({ deltaContent })),
      fc.string({ minLength: 1, maxLength: 6 }).map((deltaRefusal) => ({ deltaRefusal })),
      fc.constant("call" as const),
    )
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), (pieces) => {
        let calls = 0
        const chunks: GenerateChunk[] = pieces.map((chunk) => {
          if (chunk !== "call") return chunk
          const index = calls++
          return { deltaToolCalls: [{ index, id: `call_${index}`, name: "f", argumentsDelta: "{}" }] }
        })
        chunks.push({ finishReason: calls > 0 ? "tool_calls" : "stop" })
        const collected = collectedResult(chunks.reduce(collectChunk, initialCollectState))
        if (collected === undefined) throw new Error("no result")
        expectSameOrder(collected, chunks)
      }),
      { numRuns: 300 },
    )
  })

  it("a sequence that does not fit the fields loses nothing: every character and call comes out once", () => {
    const whole: GenerateResult = {
      reasoning: "abcd",
      content: "xy",
      toolCalls: [{ id: "c1", name: "f", arguments: "{}" }],
      finishReason: "tool_calls",
      sequence: [
        { kind: "toolCall", position: 0 },
        { kind: "reasoning", chars: 2 },
        { kind: "toolCall", position: 0 },
        { kind: "toolCall", position: 7 },
        { kind: "content", chars: 99 },
      ],
    }
    const output = nonStreamed(whole).output
    expect(validResponse(nonStreamed(whole))).toEqual([])
    expect(output).toMatchObject([
      { type: "function_call", call_id: "c1" },
      { type: "reasoning", content: [{ text: "ab" }] },
      { type: "message", content: [{ type: "output_text", text: "xy" }] },
      { type: "reasoning", content: [{ text: "cd" }] },
    ])
  })
})
