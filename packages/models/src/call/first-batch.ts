import type { AnsweredBatch, ChunkBatch } from "../backend.ts"
import type { UpstreamHeaders } from "../backends/upstream-headers.ts"

/** An opened attempt of a stream: its first step (without the upstream's headers it carried) and the rest. */
export interface FirstBatch {
  readonly iterator: AsyncIterator<ChunkBatch>
  readonly first: IteratorResult<ChunkBatch>
  readonly upstreamHeaders: UpstreamHeaders | undefined
}

/** One attempt of a stream: opened and its first batch awaited; a failure before it may be retried. */
export async function firstBatchOf(batches: AsyncIterable<AnsweredBatch>): Promise<FirstBatch> {
  const iterator = batches[Symbol.asyncIterator]()
  try {
    const first = await iterator.next()
    const [head, ...rest] = first.done === true ? [] : first.value
    if (first.done === true || head === undefined) return { iterator, first, upstreamHeaders: undefined }
    const { upstreamHeaders, ...chunk } = head
    // The headers are the answer's, not the chunk's: they leave it here, once per stream.
    return { iterator, first: { done: false, value: [chunk, ...rest] }, upstreamHeaders }
  } catch (error) {
    await iterator.return?.().catch(() => undefined)
    throw error
  }
}
