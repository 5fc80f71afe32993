import { Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toolCall, usage } from "../../test/arbitraries.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { collectChunk, collectedResult, initialCollectState } from "../chat/collect-generate-result.ts"
import type { GenerateChunk, GenerateResult } from "../model/types.ts"
import type { ResponseStreamEventOut } from "../wire/responses-out.ts"
import { ResponseEventIn } from "../wire/responses-in.ts"
import { decodeResponsesRequest } from "./decode-responses-request.ts"
import { foldedResponse, foldResponseEvents } from "./fold-response-events.ts"
import { encodeResponseEventSse, encodeResponsesStream, type ResponsesStreamOutput } from "./stream-encoder.ts"
import { toResponse } from "./to-response.ts"

const validEvent = specValidator("ResponseStreamEvent")
const validResponse = specValidator("Response")
const decodeEvent = Schema.decodeUnknownSync(ResponseEventIn)
const identity = { id: "resp_abc", createdAt: 1_700_000_000, model: "m-1" }
const callFor = (summary: boolean) => {
  const outcome = decodeResponsesRequest({ model: "m", input: "x", ...(summary ? { reasoning: { summary: "auto" } } : {}) })
  if (!outcome.ok) throw new Error("refused")
  return outcome.value
}

const events = (outputs: readonly ResponsesStreamOutput[]): ResponseStreamEventOut[] => outputs.flatMap((output) => (output.type === "event" ? [output.event] : []))

describe("the /v1/responses stream reducer", () => {
  it("sends a text answer exactly in OpenAI's order, numbered from 0, framed as event + data", () => {
    const outputs = encodeResponsesStream(identity, callFor(false), [
      { type: "chunk", chunk: { deltaContent: "Hel" } },
      { type: "chunk", chunk: { deltaContent: "lo" } },
      { type: "chunk", chunk: { finishReason: "stop", usage: { promptTokens: 3, completionTokens: 2 } } },
      { type: "end", completedAt: 1_700_000_009 },
    ])
    const sent = events(outputs)
    expect(sent.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ])
    expect(sent.map((e) => e.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    for (const event of sent) expect(validEvent(event)).toEqual([])
    const last = sent[sent.length - 1]
    expect(last).toMatchObject({
      response: {
        id: "resp_abc",
        status: "completed",
        completed_at: 1_700_000_009,
        output: [{ id: "msg_abc_0", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello", annotations: [], logprobs: [] }] }],
        usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
      },
    })
    const first = sent[0]
    if (first === undefined) throw new Error("no event")
    expect(encodeResponseEventSse(first)).toBe(`event: response.created\ndata: ${JSON.stringify(first)}\n\n`)
    expect(outputs.some((o) => o.type === "event" && JSON.stringify(o.event).includes("[DONE]"))).toBe(false)
  })

  it("streams function calls with arguments deltas, then .done, and an incomplete response for length", () => {
    const sent = events(
      encodeResponsesStream(identity, callFor(false), [
        { type: "chunk", chunk: { deltaToolCalls: [{ index: 0, id: "call_1", name: "f", argumentsDelta: '{"a"' }] } },
        { type: "chunk", chunk: { deltaToolCalls: [{ index: 0, argumentsDelta: ":1}" }] } },
        { type: "chunk", chunk: { finishReason: "length" } },
        { type: "end", completedAt: 5 },
      ]),
    )
    expect(sent.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.incomplete",
    ])
    for (const event of sent) expect(validEvent(event)).toEqual([])
    expect(sent[5]).toMatchObject({ item_id: "fc_abc_0", name: "f", arguments: '{"a":1}' })
    expect(sent[7]).toMatchObject({ response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, completed_at: null } })
  })

  it("ends a stream that broke off in error + response.failed, never in an invented completion", () => {
    const sent = events(
      encodeResponsesStream(identity, callFor(false), [
        { type: "chunk", chunk: { deltaContent: "x" } },
        { type: "end", completedAt: 5 },
      ]),
    )
    expect(sent.slice(-2).map((e) => e.type)).toEqual(["error", "response.failed"])
    for (const event of sent) expect(validEvent(event)).toEqual([])
    expect(sent[sent.length - 1]).toMatchObject({ response: { status: "failed", error: { code: "server_error" } } })
    expect(JSON.stringify(sent)).not.toContain("without a finish reason") // operators' detail stays internal
  })

  it("refuses before the first event when the backend fails at once", () => {
    const outputs = encodeResponsesStream(identity, callFor(false), [{ type: "error", error: { _tag: "RateLimited" } }])
    expect(outputs).toEqual([{ type: "refused", error: { _tag: "RateLimited" } }])
  })

  it("folding the events gives the non-streamed Response, and every event and Response is spec-valid", () => {
    const result: fc.Arbitrary<GenerateResult> = fc
      .record({
        reasoning: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
        content: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: null }),
        refusal: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        toolCalls: fc.uniqueArray(toolCall, { maxLength: 3, selector: (call) => call.id }),
        finishReason: fc.constantFrom("stop" as const, "length" as const, "tool_calls" as const, "content_filter" as const, "other" as const),
        usage: fc.option(usage, { nil: undefined }),
        summary: fc.boolean(),
      })
      .map(({ summary: _summary, reasoning, refusal, usage: used, ...rest }) => ({
        ...rest,
        ...(reasoning === undefined ? {} : { reasoning }),
        ...(refusal === undefined ? {} : { refusal }),
        ...(used === undefined ? {} : { usage: used }),
      }))
    const pieces = (text: string | undefined | null, cut: number): string[] => (text == null ? [] : cut <= 0 || cut >= text.length ? [text] : [text.slice(0, cut), text.slice(cut)])
    fc.assert(
      fc.property(result, fc.nat({ max: 20 }), fc.boolean(), (generated, cut, summary) => {
        const chunks: GenerateChunk[] = [
          ...pieces(generated.reasoning, cut).map((deltaReasoning) => ({ deltaReasoning })),
          ...pieces(generated.content, cut).map((deltaContent) => ({ deltaContent })),
          ...pieces(generated.refusal, cut).map((deltaRefusal) => ({ deltaRefusal })),
          ...(generated.toolCalls ?? []).flatMap((call, index) => [{ deltaToolCalls: [{ index, id: call.id, name: call.name }] }, ...pieces(call.arguments, cut).map((argumentsDelta) => ({ deltaToolCalls: [{ index, argumentsDelta }] }))]),
          { finishReason: generated.finishReason, ...(generated.usage === undefined ? {} : { usage: generated.usage }) },
        ]
        const call = callFor(summary)
        const sent = events(encodeResponsesStream(identity, call, [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const, completedAt: 9 }]))
        for (const event of sent) expect(validEvent(event)).toEqual([])
        expect(sent.map((e) => e.sequence_number)).toEqual(sent.map((_, i) => i))
        const folded = foldResponseEvents(sent.map((event) => decodeEvent(event)))
        expect(folded.outOfOrder).toBe(0)
        const collected = collectedResult(chunks.reduce(collectChunk, initialCollectState))
        if (collected === undefined) throw new Error("no result")
        const direct = toResponse(collected, call, identity, 9)
        expect(validResponse(direct)).toEqual([])
        expect(foldedResponse(folded)).toEqual(JSON.parse(JSON.stringify(direct)))
      }),
      { numRuns: 150 },
    )
  })
})
