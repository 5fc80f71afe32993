import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { runReducer } from "../../test/provider-stream.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { decodeAnthropicStreamEvent, initialAnthropicStreamState } from "../anthropic/stream-decoder.ts"
import type { GenerateChunk } from "../model/types.ts"
import { decodeResponsesRequest } from "../responses/decode-responses-request.ts"
import { encodeResponsesStream } from "../responses/stream-encoder.ts"
import { encodeSseData } from "../sse/encode-sse.ts"
import type { ChatCompletionChunkOut } from "../wire/chat-chunk-out.ts"
import { createChunkSseEncoder } from "./chunk-sse-encoder.ts"
import { encodeStreamEvent, initialStreamEncoderState, type StreamEncoderOutput } from "./stream-encoder.ts"

const validateChunk = specValidator("CreateChatCompletionStreamResponse")
const validEvent = specValidator("ResponseStreamEvent")
const ASKED = "claude-opus-4-5-20251101"
const SUBSTITUTE = "claude-sonnet-4-5-20250929"

/**
 * test/fixtures/anthropic/model-fallback-mid-stream.chunks.txt: the first model's text, then a
 * `fallback` block (from.model "whose output ends at this point", to.model "producing the content
 * that follows", Anthropic's SDK reference BetaFallbackBlock; see the folder's README), then
 * the substitute's text.
 */
function fallbackChunks(): GenerateChunk[] {
  const lines = readFileSync(new URL("../../test/fixtures/anthropic/model-fallback-mid-stream.chunks.txt", import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
  return runReducer(initialAnthropicStreamState(), decodeAnthropicStreamEvent, [...lines.map((data) => ({ type: "event" as const, data })), { type: "end" as const }]).map((output) => {
    if (output.type === "error") throw new Error(JSON.stringify(output.error))
    return output.chunk
  })
}

function encodeAll(chunks: readonly GenerateChunk[]): StreamEncoderOutput[] {
  // As the chat handler names the stream: after the first chunk's model, message_start's.
  let state = initialStreamEncoderState({ id: "chatcmpl-fallback", created: 1_770_000_000, model: ASKED }, true)
  const outputs: StreamEncoderOutput[] = []
  for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
    const [next, out] = encodeStreamEvent(state, event)
    state = next
    outputs.push(...out)
  }
  return outputs
}

describe("a model the provider substitutes mid-stream (Anthropic's fallback block)", () => {
  it("every chat chunk from the block on names the substitute, the finish and usage chunks too; the ones before name the model asked", () => {
    const sent: ChatCompletionChunkOut[] = encodeAll(fallbackChunks()).flatMap((output) => (output.type === "chunk" ? [output.chunk] : []))
    const seen = sent.map((chunk) => [chunk.choices[0]?.delta.content ?? (chunk.usage === undefined ? chunk.choices[0]?.finish_reason : "usage"), chunk.model])
    expect(seen).toEqual([
      [null, ASKED],
      ["Let me ", ASKED],
      ["Here is the summary", SUBSTITUTE],
      [" you asked for.", SUBSTITUTE],
      ["stop", SUBSTITUTE],
      ["usage", SUBSTITUTE],
    ])
    for (const chunk of sent) expect(validateChunk(JSON.parse(JSON.stringify(chunk)))).toEqual([])
  })

  it("the SSE bytes re-learn the cached identity when the model changes: exactly encodeSseData's, the substitute in them", () => {
    const encode = createChunkSseEncoder()
    const sent = encodeAll(fallbackChunks()).flatMap((output) => (output.type === "chunk" ? [output.chunk] : []))
    const lines = sent.map((chunk) => encode(chunk))
    expect(lines).toEqual(sent.map((chunk) => encodeSseData(chunk)))
    expect(lines.filter((line) => line.includes(`"model":"${SUBSTITUTE}"`))).toHaveLength(4)
  })

  it("the Responses stream's final Response names the substitute", () => {
    const decoded = decodeResponsesRequest({ model: "claude", input: "x" })
    if (!decoded.ok) throw new Error("refused")
    const outputs = encodeResponsesStream({ id: "resp_fallback", createdAt: 1_770_000_000, model: ASKED }, decoded.value, [
      ...fallbackChunks().map((chunk) => ({ type: "chunk" as const, chunk })),
      { type: "end" as const, completedAt: 1_770_000_001 },
    ])
    const events = outputs.flatMap((output) => (output.type === "event" ? [output.event] : []))
    const snapshots = events.flatMap((event) => ("response" in event ? [[event.type, event.response.model]] : []))
    expect(snapshots).toEqual([
      ["response.created", ASKED],
      ["response.in_progress", ASKED],
      ["response.completed", SUBSTITUTE],
    ])
    for (const event of events) expect(validEvent(event)).toEqual([])
  })
})
