/**
 * The openai SDK's own stream helper (ChatCompletionStream), unmodified, over the chunks the
 * gateway's stream encoder writes: what the SDK accumulates is what a direct client of the
 * provider gets. No Harper: the encoder is the whole of what decides these chunks.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { ChatCompletionStream } from "openai/lib/ChatCompletionStream"
import { describe, expect, it } from "vitest"
import { decodeStreamEvent, encodeStreamEvent, initialStreamDecoderState, initialStreamEncoderState, type GenerateChunk } from "@harper-gateway/translate"
import { recordedDir } from "../../translate/test/shared-dir.ts"

/** The gateway's chunks for these internal chunks, as the SDK reads them (one JSON value a line). */
function gatewayStream(chunks: readonly GenerateChunk[], includeUsage: boolean): ChatCompletionStream<null> {
  let state = initialStreamEncoderState({ id: "chatcmpl-sdk", created: 1_770_000_000, model: "m" }, includeUsage)
  const lines: string[] = []
  for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
    const [next, outputs] = encodeStreamEvent(state, event)
    state = next
    for (const output of outputs) if (output.type === "chunk") lines.push(JSON.stringify(output.chunk))
  }
  const bytes = new TextEncoder().encode(`${lines.join("\n")}\n`)
  return ChatCompletionStream.fromReadableStream(new ReadableStream({ start: (controller) => (controller.enqueue(bytes), controller.close()) }))
}

function decodedRecording(file: string): GenerateChunk[] {
  let state = initialStreamDecoderState()
  const chunks: GenerateChunk[] = []
  const lines = readFileSync(join(recordedDir, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
  for (const event of [...lines.map((data) => ({ type: "data" as const, data })), { type: "data" as const, data: "[DONE]" }, { type: "end" as const }]) {
    const [next, outputs] = decodeStreamEvent(state, event)
    state = next
    for (const output of outputs) if (output.type === "chunk") chunks.push(output.chunk)
  }
  return chunks
}

describe("the openai SDK's stream helper over the gateway's chunks", () => {
  it("accumulates content null for a tool-only and a refusal-only stream, as non-streamed", async () => {
    const toolOnly = await gatewayStream([{}, { deltaToolCalls: [{ index: 0, id: "call_1", name: "f", argumentsDelta: "{}" }] }, { finishReason: "tool_calls" }], false).finalChatCompletion()
    expect(toolOnly.choices[0]?.message.content).toBeNull()
    expect(toolOnly.choices[0]?.message.tool_calls?.length).toBe(1)
    const refusal = await gatewayStream([{}, { deltaRefusal: "I can't help with that." }, { finishReason: "stop" }], false).finalChatCompletion()
    expect(refusal.choices[0]?.message.content).toBeNull()
    expect(refusal.choices[0]?.message.refusal).toBe("I can't help with that.")
  })

  it("reports the usage DeepSeek streams unasked, with its cache split, to a client that did not ask", async () => {
    const completion = await gatewayStream(decodedRecording("deepseek-text.chunks.txt"), false).finalChatCompletion()
    const recorded = readFileSync(join(recordedDir, "deepseek-text.chunks.txt"), "utf8")
      .split("\n")
      .filter((l) => l.includes('"usage":{'))
      .map((l) => JSON.parse(l).usage)
    expect(completion.usage).toEqual(recorded.at(-1))
    expect(completion.usage).toMatchObject({ prompt_cache_hit_tokens: expect.any(Number), prompt_cache_miss_tokens: expect.any(Number) })
  })

  it("reports no usage to a client that did not ask, when the upstream sent it only because the gateway asked (OpenAI)", async () => {
    const completion = await gatewayStream(decodedRecording("openai-text.chunks.txt"), false).finalChatCompletion()
    expect(completion.usage).toBeUndefined()
  })
})
