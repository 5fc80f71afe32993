import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { generateResult, resultAfterWire, withoutRawUsage } from "../../test/arbitraries.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { streamedAs } from "../../test/stream-chunks.ts"
import type { GenerateChunk, GenerateResult } from "../model/types.ts"
import type { ChatCompletionChunkOut } from "../wire/chat-chunk-out.ts"
import { createSseDecoder } from "../sse/decode-sse.ts"
import { encodeSseData, SSE_DONE } from "../sse/encode-sse.ts"
import { collectChunk, collectedResult, initialCollectState } from "./collect-generate-result.ts"
import { fromChatCompletion } from "./from-chat-completion.ts"
import { decodeStreamEvent, initialStreamDecoderState } from "./stream-decoder.ts"
import { encodeStreamEvent, initialStreamEncoderState, type StreamEncoderOutput } from "./stream-encoder.ts"
import { toChatCompletion } from "./to-chat-completion.ts"

const identity = { id: "chatcmpl-stream", created: 1_770_000_000, model: "gpt-test" }
const validateChunk = specValidator("CreateChatCompletionStreamResponse")

function encodeAll(chunks: readonly GenerateChunk[], includeUsage: boolean): StreamEncoderOutput[] {
  let state = initialStreamEncoderState(identity, includeUsage)
  const outputs: StreamEncoderOutput[] = []
  for (const chunk of [...chunks.map((c) => ({ type: "chunk" as const, chunk: c })), { type: "end" as const }]) {
    const [next, out] = encodeStreamEvent(state, chunk)
    state = next
    outputs.push(...out)
  }
  return outputs
}

function sseBytes(outputs: readonly StreamEncoderOutput[]): Uint8Array {
  const text = outputs.map((o) => (o.type === "chunk" ? encodeSseData(o.chunk) : o.type === "done" ? SSE_DONE : encodeSseData({ error: o.error }))).join("")
  return new TextEncoder().encode(text)
}

/** The client's side: bytes cut anywhere, SSE-decoded, then the upstream reducer and the fold. */
function readBack(bytes: Uint8Array, cuts: readonly number[]): GenerateResult | undefined {
  const sse = createSseDecoder()
  const points = [0, ...[...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b), bytes.length]
  let decoder = initialStreamDecoderState()
  let collected = initialCollectState
  const feed = (data: string | undefined) => {
    const [next, outputs] = decodeStreamEvent(decoder, data === undefined ? { type: "end" } : { type: "data", data })
    decoder = next
    for (const output of outputs) {
      if (output.type === "error") throw new Error(JSON.stringify(output.error))
      collected = collectChunk(collected, output.chunk)
    }
  }
  for (let i = 0; i + 1 < points.length; i++) for (const event of sse.push(bytes.slice(points[i], points[i + 1]))) feed(event.data)
  for (const event of sse.end()) feed(event.data)
  feed(undefined)
  const result = collectedResult(collected)
  if (result === undefined) return undefined
  // The pieces come in an arbitrary interleaving, which the fold records (sequence); a chat answer has no order across kinds to compare.
  const { sequence: _order, additionalChoices, ...unordered } = result
  return additionalChoices === undefined ? unordered : { ...unordered, additionalChoices: additionalChoices.map(({ sequence: _each, ...choice }) => choice) }
}

/**
 * `message.content` per choice as the openai SDK's stream helper accumulates it
 * (ChatCompletionStream): every `delta.content` that is not null or missing is appended
 * to what it has (`""` when nothing yet); null when no chunk carried content.
 */
function sdkAccumulatedContent(sent: readonly ChatCompletionChunkOut[]): ReadonlyMap<number, string | null> {
  const content = new Map<number, string | null>()
  for (const chunk of sent) {
    for (const choice of chunk.choices) {
      const text: unknown = Reflect.get(choice.delta, "content")
      const had = content.get(choice.index) ?? null
      content.set(choice.index, text === null || text === undefined ? had : (had ?? "") + String(text))
    }
  }
  return content
}

/**
 * The same stream as a provider that omits tool-call `index` would send it (several
 * local servers do, sending one call after another): undefined when the stream's calls
 * interleave, since then only the index tells them apart.
 */
function withoutToolCallIndexes(bytes: Uint8Array): Uint8Array | undefined {
  const lastIndex = new Map<number, number>()
  let sequential = true
  const frames = new TextDecoder()
    .decode(bytes)
    .split("\n\n")
    .map((frame) => {
      if (!frame.startsWith("data: {")) return frame
      const chunk: unknown = JSON.parse(frame.slice("data: ".length))
      const choices: unknown = typeof chunk === "object" && chunk !== null ? Reflect.get(chunk, "choices") : undefined
      for (const choice of Array.isArray(choices) ? choices : []) {
        const delta: unknown = typeof choice === "object" && choice !== null ? Reflect.get(choice, "delta") : undefined
        const calls: unknown = typeof delta === "object" && delta !== null ? Reflect.get(delta, "tool_calls") : undefined
        const choiceIndex = Number(Reflect.get(choice, "index"))
        for (const call of Array.isArray(calls) ? calls : []) {
          const index = Number(Reflect.get(call, "index"))
          if (index < (lastIndex.get(choiceIndex) ?? 0)) sequential = false
          lastIndex.set(choiceIndex, index)
          Reflect.deleteProperty(call, "index")
        }
      }
      return `data: ${JSON.stringify(chunk)}`
    })
  return sequential ? new TextEncoder().encode(frames.join("\n\n")) : undefined
}

describe("the stream encoder (internal chunks -> OpenAI chunks)", () => {
  it("folds back to the result it was made from, over SSE split anywhere, and agrees with the non-streamed answer", () => {
    let unindexedWithCalls = 0
    const scenario = generateResult.chain((result) => fc.record({ result: fc.constant(result), chunks: streamedAs(result), includeUsage: fc.boolean(), cuts: fc.array(fc.nat(), { maxLength: 8 }) }))
    fc.assert(
      fc.property(scenario, ({ result, chunks, includeUsage, cuts }) => {
        const outputs = encodeAll(chunks, includeUsage)
        const { usage, ...withoutUsage } = resultAfterWire(result)
        const expected: GenerateResult = { ...(includeUsage && usage !== undefined ? { ...withoutUsage, usage } : withoutUsage), ...identity }
        const streamed = readBack(sseBytes(outputs), cuts)
        expect(streamed === undefined ? undefined : withoutRawUsage(streamed)).toEqual(expected)
        // A provider that omits `index` (calls one after another) reads back the same.
        const unindexed = withoutToolCallIndexes(sseBytes(outputs))
        if (unindexed !== undefined) {
          if ((result.toolCalls?.length ?? 0) > 0) unindexedWithCalls++
          const read = readBack(unindexed, cuts)
          expect(read === undefined ? undefined : withoutRawUsage(read)).toEqual(expected)
        }
        if (includeUsage) {
          const nonStreamed = fromChatCompletion(JSON.parse(JSON.stringify(toChatCompletion(result, identity))))
          expect(nonStreamed).toEqual({ ok: true, value: readBack(sseBytes(outputs), []) })
        }
      }),
      { numRuns: 400 },
    )
    expect(unindexedWithCalls).toBeGreaterThan(10)
  })

  it("keeps the protocol every strict client checks", () => {
    const scenario = generateResult.chain((result) => fc.record({ result: fc.constant(result), chunks: streamedAs(result), includeUsage: fc.boolean() }))
    fc.assert(
      fc.property(scenario, ({ result, chunks, includeUsage }) => {
        const outputs = encodeAll(chunks, includeUsage)
        expect(outputs.at(-1)).toEqual({ type: "done" })
        const sent: ChatCompletionChunkOut[] = outputs.flatMap((o) => (o.type === "chunk" ? [JSON.parse(JSON.stringify(o.chunk))] : []))
        expect(outputs.filter((o) => o.type === "error")).toEqual([])
        for (const chunk of sent) {
          expect([chunk.id, chunk.created, chunk.model]).toEqual([identity.id, identity.created, identity.model])
          // Every chunk, whatever the finish reason: unknown ones go out as the spec's stop.
          expect(validateChunk(chunk)).toEqual([])
        }
        const withChoices = sent.filter((c) => c.choices.length > 0)
        for (const index of [0, ...(result.additionalChoices ?? []).map((c) => c.index)]) {
          const own = withChoices.filter((c) => c.choices[0]?.index === index)
          expect(own[0]?.choices[0]?.delta.role).toBe("assistant")
          expect(own.slice(1).every((c) => c.choices[0]?.delta.role === undefined)).toBe(true)
          expect(own.filter((c) => c.choices[0]?.finish_reason !== null).length).toBe(1)
        }
        // The SDK's accumulated message says what the non-streamed one does: null content for tool-only and refusal-only answers.
        const accumulated = sdkAccumulatedContent(sent)
        const expected = resultAfterWire(result)
        for (const choice of [{ index: 0, content: expected.content }, ...(expected.additionalChoices ?? [])]) expect(accumulated.get(choice.index)).toBe(choice.content)
        const usageChunks = sent.filter((c) => c.choices.length === 0)
        expect(usageChunks.length).toBe(includeUsage && result.usage !== undefined ? 1 : 0)
        if (usageChunks.length > 0) expect(sent.at(-1)?.usage).toBeDefined()
        // Each call: announced once with index, id, type, name and empty arguments; indices 0..n-1.
        const announced: number[] = []
        for (const chunk of withChoices.filter((c) => c.choices[0]?.index === 0)) {
          for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
            if (call.id !== undefined) {
              expect(call).toEqual({ index: announced.length, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } })
              announced.push(call.index)
            } else {
              expect(announced).toContain(call.index)
              expect(Object.keys(call.function)).toEqual(["arguments"])
            }
          }
        }
        expect(announced.length).toBe(result.toolCalls?.length ?? 0)
      }),
      { numRuns: 300 },
    )
  })

  it("leaves content null for a tool-only and a refusal-only stream, as the openai SDK accumulates it", () => {
    const toolOnly = encodeAll([{ deltaToolCalls: [{ index: 0, id: "call_1", name: "f", argumentsDelta: "{}" }] }, { finishReason: "tool_calls" }], false)
    const refusalOnly = encodeAll([{}, { deltaRefusal: "I can't." }, { finishReason: "stop" }], false)
    const empty = encodeAll([{}, { finishReason: "stop" }], false)
    const sent = (outputs: readonly StreamEncoderOutput[]) => outputs.flatMap((o) => (o.type === "chunk" ? [JSON.parse(JSON.stringify(o.chunk))] : []))
    expect(sdkAccumulatedContent(sent(toolOnly)).get(0)).toBeNull()
    expect(sdkAccumulatedContent(sent(refusalOnly)).get(0)).toBeNull()
    // An answer with nothing at all is "" as the non-streamed answer has it.
    expect(sdkAccumulatedContent(sent(empty)).get(0)).toBe("")
    for (const chunk of [...sent(toolOnly), ...sent(refusalOnly), ...sent(empty)]) expect(validateChunk(chunk)).toEqual([])
  })

  it("passes usage the upstream sent unasked to a client that did not ask, once, on the chunk it came with or last", () => {
    const usage = { promptTokens: 3, completionTokens: 2, totalTokens: 5, extensions: { prompt_cache_hit_tokens: 3 } }
    const wire = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 3 }, prompt_cache_hit_tokens: 3 }
    const sent = (outputs: readonly StreamEncoderOutput[]) => outputs.flatMap((o) => (o.type === "chunk" ? [JSON.parse(JSON.stringify(o.chunk))] : []))
    const onFinish = sent(encodeAll([{ deltaContent: "hi" }, { finishReason: "stop", usage: { ...usage, cachedTokens: 3 }, usageUnsolicited: true }], false))
    expect(onFinish.filter((c) => c.usage !== undefined).map((c) => [c.choices[0]?.finish_reason, c.usage])).toEqual([["stop", wire]])
    // On a chunk that says nothing: the next chunk sent carries it, or a last one after the finish.
    const before = sent(encodeAll([{ deltaContent: "hi" }, { usage: { ...usage, cachedTokens: 3 }, usageUnsolicited: true }, { finishReason: "stop" }], false))
    expect(before.filter((c) => c.usage !== undefined).map((c) => [c.choices[0]?.finish_reason, c.usage])).toEqual([["stop", wire]])
    const silent = sent(encodeAll([{ deltaContent: "hi" }, { finishReason: "stop" }, { usage: { ...usage, cachedTokens: 3 }, usageUnsolicited: true }], false))
    expect(silent.at(-1)).toMatchObject({ choices: [], usage: wire })
    expect(silent.filter((c) => c.usage !== undefined).length).toBe(1)
    // A client that asked gets it once, on the usage chunk; include_usage's own chunk is not sent unasked.
    const asked = sent(encodeAll([{ deltaContent: "hi" }, { finishReason: "stop", usage, usageUnsolicited: true }], true))
    expect(asked.filter((c) => c.usage !== undefined).map((c) => c.choices.length)).toEqual([0])
    expect(sent(encodeAll([{ deltaContent: "hi" }, { finishReason: "stop" }, { usage }], false)).filter((c) => c.usage !== undefined)).toEqual([])
    for (const chunk of [...onFinish, ...before, ...silent, ...asked]) expect(validateChunk(chunk)).toEqual([])
  })

  it("ends in an error, not an invented stop, when the backend never finished", () => {
    const outputs = encodeAll([{ deltaContent: "partial" }], false)
    expect(outputs.at(-1)).toMatchObject({ type: "error", error: { _tag: "UpstreamError", code: "invalid_upstream_stream" } })
    expect(outputs.some((o) => o.type === "done")).toBe(false)
  })

  it("refuses output after the finish reason, and a tool call without a name", () => {
    expect(encodeAll([{ finishReason: "stop" }, { deltaContent: "late" }], false).at(-1)).toMatchObject({ type: "error" })
    expect(encodeAll([{ deltaToolCalls: [{ index: 0, id: "c" }] }], false).at(-1)).toMatchObject({ type: "error" })
  })

  it("bounds tool calls and their arguments", () => {
    const many = Array.from({ length: 129 }, (_, index): GenerateChunk => ({ deltaToolCalls: [{ index, id: `c${index}`, name: "f" }] }))
    expect(encodeAll(many, false).at(-1)).toMatchObject({ type: "error" })
    let state = initialStreamEncoderState(identity, false, { maxToolCalls: 4, maxArgumentCharsPerCall: 10, maxArgumentCharsPerStream: 15 })
    ;[state] = encodeStreamEvent(state, { type: "chunk", chunk: { deltaToolCalls: [{ index: 0, id: "a", name: "f", argumentsDelta: "1234567890" }] } })
    const [, outputs] = encodeStreamEvent(state, { type: "chunk", chunk: { deltaToolCalls: [{ index: 0, argumentsDelta: "x" }] } })
    expect(outputs.at(-1)).toMatchObject({ type: "error" })
  })

  it("passes a backend error through as the last output, after which nothing is sent", () => {
    let state = initialStreamEncoderState(identity, true)
    ;[state] = encodeStreamEvent(state, { type: "chunk", chunk: { deltaContent: "a" } })
    const [closed, outputs] = encodeStreamEvent(state, { type: "error", error: { _tag: "UpstreamTimeout", phase: "idle" } })
    expect(outputs).toEqual([{ type: "error", error: { _tag: "UpstreamTimeout", phase: "idle" } }])
    expect(encodeStreamEvent(closed, { type: "end" })[1]).toEqual([])
  })
})
