import { encodeStreamEvent, initialStreamEncoderState } from "../src/chat/stream-encoder.ts"
import type { StreamDecoderOutput } from "../src/chat/stream-decoder.ts"
import { specValidator } from "./openapi-validator.ts"

const validateChunk = specValidator("CreateChatCompletionStreamResponse")

/**
 * A native provider's decoded stream re-encoded as the chat chunks an OpenAI client
 * receives (usage included): the spec's complaints about any chunk, and whether the
 * stream ended with `[DONE]`. Empty complaints and `done` mean a client accepts it.
 */
export function reencodeForOpenAIClients(outputs: readonly StreamDecoderOutput[]): { readonly problems: readonly string[]; readonly done: boolean; readonly chunks: number } {
  let state = initialStreamEncoderState({ id: "chatcmpl-replay", created: 1_770_000_000, model: "replayed" }, true)
  const problems: string[] = []
  let done = false
  let chunks = 0
  const events = [...outputs.map((output) => (output.type === "chunk" ? { type: "chunk" as const, chunk: output.chunk } : { type: "error" as const, error: output.error })), { type: "end" as const }]
  for (const event of events) {
    const [next, out] = encodeStreamEvent(state, event)
    state = next
    for (const item of out) {
      if (item.type === "chunk") {
        chunks++
        problems.push(...validateChunk(item.chunk))
      } else if (item.type === "done") done = true
      else problems.push(`error ${item.error._tag}`)
    }
  }
  return { problems, done, chunks }
}
