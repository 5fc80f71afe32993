import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { recordedDir } from "../../test/shared-dir.ts"
import type { GenerateChunk } from "../model/types.ts"
import { collectChunk, collectedResult, initialCollectState } from "./collect-generate-result.ts"
import { decodeStreamEvent, initialStreamDecoderState, type StreamDecoderOutput } from "./stream-decoder.ts"
import { encodeStreamEvent, initialStreamEncoderState } from "./stream-encoder.ts"

function decodeAll(lines: readonly string[], terminate: "done" | "eof" = "done"): StreamDecoderOutput[] {
  let state = initialStreamDecoderState()
  const outputs: StreamDecoderOutput[] = []
  const events = [...lines.map((data) => ({ type: "data" as const, data })), ...(terminate === "done" ? [{ type: "data" as const, data: "[DONE]" }] : []), { type: "end" as const }]
  for (const event of events) {
    const [next, out] = decodeStreamEvent(state, event)
    state = next
    outputs.push(...out)
  }
  return outputs
}

const chunksOf = (outputs: readonly StreamDecoderOutput[]): GenerateChunk[] =>
  outputs.map((o) => {
    if (o.type === "error") throw new Error(JSON.stringify(o.error))
    return o.chunk
  })

interface RecordedDelta {
  content?: string | null
  reasoning_content?: string | null
  tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[]
}
interface RecordedChunk {
  choices?: { delta?: RecordedDelta; finish_reason?: string | null }[]
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null
}

const recordings = readdirSync(recordedDir).filter((f) => f.endsWith(".chunks.txt"))
const validateChunk = specValidator("CreateChatCompletionStreamResponse")

describe("the stream decoder (upstream OpenAI-compatible chunks -> internal chunks)", () => {
  it("has recordings to replay", () => expect(recordings.length).toBeGreaterThanOrEqual(6))

  for (const file of recordings) {
    it(`replays ${file}: nothing dropped, text and tool arguments exact, finish reason and usage kept, re-encoding valid`, () => {
      const lines = readFileSync(join(recordedDir, file), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
      const recorded: RecordedChunk[] = lines.map((line) => JSON.parse(line))
      // What the recording says, read independently of the decoder.
      let text = ""
      let reasoning = ""
      const args = new Map<number, string>()
      const names = new Map<number, string>()
      let finish: string | undefined
      let usage: RecordedChunk["usage"]
      let contentLines = 0
      for (const chunk of recorded) {
        for (const choice of chunk.choices ?? []) {
          if (choice.delta?.content) {
            text += choice.delta.content
            contentLines++
          }
          if (choice.delta?.reasoning_content) reasoning += choice.delta.reasoning_content
          for (const call of choice.delta?.tool_calls ?? []) {
            args.set(call.index, (args.get(call.index) ?? "") + (call.function?.arguments ?? ""))
            if (call.function?.name) names.set(call.index, call.function.name)
          }
          if (choice.finish_reason && finish === undefined) finish = choice.finish_reason
        }
        if (chunk.usage) usage = chunk.usage
      }

      const chunks = chunksOf(decodeAll(lines))
      expect(chunks.filter((c) => c.deltaContent !== undefined).length).toBe(contentLines)
      const result = collectedResult(chunks.reduce(collectChunk, initialCollectState))
      expect(result).toBeDefined()
      // Nothing but tool calls is content null, as OpenAI answers it non-streamed.
      expect(result?.content).toBe(text === "" && names.size > 0 ? null : text)
      expect(result?.reasoning ?? "").toBe(reasoning)
      expect(result?.rawFinishReason).toBe(finish)
      expect(result?.toolCalls?.map((c) => [c.name, c.arguments]) ?? []).toEqual([...args.keys()].map((i) => [names.get(i), args.get(i)]))
      for (const call of result?.toolCalls ?? []) expect(() => JSON.parse(call.arguments)).not.toThrow()
      if (usage) {
        expect(result?.usage).toMatchObject({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens })
      }

      let encoder = initialStreamEncoderState({ id: "chatcmpl-replay", created: 1_770_000_000, model: "replayed" }, true)
      let sent = 0
      for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
        const [next, outputs] = encodeStreamEvent(encoder, event)
        encoder = next
        for (const output of outputs) {
          expect(output.type).not.toBe("error")
          if (output.type === "chunk") {
            expect(validateChunk(JSON.parse(JSON.stringify(output.chunk)))).toEqual([])
            sent++
          }
        }
      }
      expect(sent).toBeGreaterThan(0)

      // A client that did not ask for usage gets what it would get directly: usage the upstream put on a
      // chunk with choices (its own habit, DeepSeek's), not the include_usage chunk (choices: []) the gateway asked for.
      const unasked = recorded.filter((chunk) => chunk.usage != null && (chunk.choices?.length ?? 0) > 0).at(-1)?.usage
      let quiet = initialStreamEncoderState({ id: "chatcmpl-replay", created: 1_770_000_000, model: "replayed" }, false)
      const received: unknown[] = []
      for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
        const [next, outputs] = encodeStreamEvent(quiet, event)
        quiet = next
        for (const output of outputs) {
          if (output.type !== "chunk") continue
          const wire = JSON.parse(JSON.stringify(output.chunk))
          expect(validateChunk(wire)).toEqual([])
          if (wire.usage !== undefined) received.push(wire.usage)
        }
      }
      expect(received).toEqual(unasked === undefined ? [] : [unasked])
    })
  }

  it("turns an in-stream error frame into its reason", () => {
    const outputs = decodeAll(['{"id":"x","choices":[{"index":0,"delta":{"content":"a"}}]}', '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}'])
    expect(outputs.at(-1)).toEqual({ type: "error", error: { _tag: "RateLimited", message: "Rate limit reached" } })
    expect(decodeAll(['{"error":{"message":"You exceeded your quota","code":"insufficient_quota"}}']).at(-1)).toMatchObject({
      error: { _tag: "QuotaExhausted" },
    })
  })

  it("keeps an in-stream error's message from the client when the model's config says so", () => {
    const frame = '{"error":{"message":"db-7.internal refused: quota for team x","type":"server_error"}}'
    const [, shown] = decodeStreamEvent(initialStreamDecoderState(), { type: "data", data: frame })
    expect(JSON.stringify(shown)).toContain("quota for team x")
    const [, hidden] = decodeStreamEvent(initialStreamDecoderState(undefined, { exposeMessage: false }), { type: "data", data: frame })
    expect(hidden.at(-1)).toMatchObject({ type: "error" })
    expect(JSON.stringify(hidden)).not.toContain("quota for team x")
  })

  it("calls a stream that ends without a finish reason an error, not a stop", () => {
    const outputs = decodeAll(['{"id":"x","choices":[{"index":0,"delta":{"content":"half"}}]}'], "eof")
    expect(outputs.at(-1)).toMatchObject({ type: "error", error: { _tag: "UpstreamError", code: "upstream_stream_incomplete" } })
  })

  it("refuses events that are not JSON or not chunks, and ignores anything after [DONE]", () => {
    expect(decodeAll(["not json"]).at(0)).toMatchObject({ type: "error" })
    expect(decodeAll(['{"choices":"nope"}']).at(0)).toMatchObject({ type: "error" })
    let state = initialStreamDecoderState()
    ;[state] = decodeStreamEvent(state, { type: "data", data: '{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}' })
    ;[state] = decodeStreamEvent(state, { type: "data", data: "[DONE]" })
    expect(decodeStreamEvent(state, { type: "data", data: '{"choices":[{"index":0,"delta":{"content":"late"}}]}' })[1]).toEqual([])
  })

  it("drops a choice's output after its finish chunk (recorded as a repair), so the client's stream ends as cleanly as its row says", () => {
    const outputs = decodeAll([
      '{"id":"x","model":"m","created":1,"choices":[{"index":0,"delta":{"content":"done"},"finish_reason":"stop"}]}',
      '{"id":"x","choices":[{"index":0,"delta":{"content":"late","tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{}"}}]},"logprobs":{"content":[]}}]}',
      '{"id":"x","choices":[{"index":0,"delta":{"reasoning_content":"later"}}]}',
      '{"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}',
    ])
    const chunks = chunksOf(outputs)
    expect(chunks.map((chunk) => chunk.deltaContent ?? chunk.deltaReasoning ?? chunk.deltaToolCalls).filter((text) => text !== undefined)).toEqual(["done"])
    expect(chunks.flatMap((chunk) => chunk.repaired ?? [])).toEqual(["output_after_finish"])
    expect(chunks.at(-1)?.usage).toMatchObject({ promptTokens: 3, completionTokens: 1 })
    let encoder = initialStreamEncoderState({ id: "chatcmpl-1", created: 1, model: "m" }, true)
    for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
      const [next, encoded] = encodeStreamEvent(encoder, event)
      encoder = next
      expect(encoded.filter((output) => output.type === "error")).toEqual([])
    }
  })

  it("follows tool calls that arrive without an index, by id", () => {
    const chunks = chunksOf(
      decodeAll([
        '{"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{\\"x\\""}}]}}]}',
        '{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":":1}"}}]}}]}',
        '{"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"name":"g","arguments":"{}"}}]}}]}',
        '{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}',
      ]),
    )
    expect(collectedResult(chunks.reduce(collectChunk, initialCollectState))?.toolCalls).toEqual([
      { id: "a", name: "f", arguments: '{"x":1}' },
      { id: "b", name: "g", arguments: "{}" },
    ])
  })

  it("bounds tool-call accumulation", () => {
    let state = initialStreamDecoderState({ maxToolCalls: 2, maxArgumentCharsPerCall: 5, maxArgumentCharsPerStream: 8 })
    const step = (data: string) => {
      const [next, outputs] = decodeStreamEvent(state, { type: "data", data })
      state = next
      return outputs
    }
    expect(step('{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"12345"}}]}}]}')[0]?.type).toBe("chunk")
    expect(step('{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"6"}}]}}]}')[0]).toMatchObject({ type: "error" })
  })

  it("keeps an unknown finish reason raw and normalises it to other", () => {
    const chunks = chunksOf(decodeAll(['{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"pause_turn"}]}']))
    expect(chunks[0]).toMatchObject({ finishReason: "other", rawFinishReason: "pause_turn" })
  })
})
