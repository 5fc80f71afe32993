import type { GenerateChunk } from "@harper-gateway/translate"
import type { ModelRoute } from "../backend-registry.ts"
import type { ChunkBatch, GenerativeBackend } from "../backend.ts"
import type { AnswerHeaders } from "./call-types.ts"

/**
 * A stream once it is open: the route that answers (a retry or a fallback may have), its
 * first step, and the rest, as batches (one an upstream read). Opening is one step: any
 * failure before the first batch rejects it (so it can still be an ordinary HTTP error);
 * after it, the rest's `next` rejects. The reader ends the rest (to its end, or by
 * `return`) for its row to be written.
 */
export interface OpenedChatStream {
  readonly route: ModelRoute<GenerativeBackend>
  readonly first: IteratorResult<ChunkBatch>
  readonly rest: AsyncIterator<ChunkBatch>
  readonly headers: AnswerHeaders
}

/** An opened stream's chunks one by one (the first batch's, then the rest's), for readers that need no route, headers or batches (`models.generateStream`). */
export async function* streamedChunks(opening: Promise<OpenedChatStream>): AsyncGenerator<GenerateChunk> {
  const { first, rest } = await opening
  let done = false
  try {
    if (first.done === true) return
    yield* first.value
    for (let step = await rest.next(); step.done !== true; step = await rest.next()) yield* step.value
    done = true
  } catch (error) {
    done = true
    throw error
  } finally {
    if (!done) await rest.return?.()
  }
}

/** The model the answer names first (its first chunk's), if the stream says one. */
export function firstModelOf(first: IteratorResult<ChunkBatch>): string | undefined {
  return first.done === true ? undefined : first.value[0]?.model
}
