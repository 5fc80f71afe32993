import type { Journal } from "./journal.ts"
import type { ModelCallRecord } from "./model-call-record.ts"

export interface CallRecorderOptions {
  /** Writes a batch in one transaction; rejects if nothing was written. */
  readonly write: (rows: readonly ModelCallRecord[]) => Promise<void>
  readonly flushIntervalMs: number
  readonly maxBatch: number
  readonly onError: (error: unknown, pending: number) => void
  /** Where each row is written synchronously first, so a stop or crash loses nothing. */
  readonly journal?: Journal
}

export interface CallRecorder {
  record(row: ModelCallRecord): void
  /** Writes everything buffered so far; resolves when it is stored (or has failed and been kept). */
  flush(): Promise<void>
  /** Flushes, then stops the timer. */
  close(): Promise<void>
  pending(): number
}

/**
 * Batches accounting rows off the request path: single-row transactions run ~1.4k/s
 * on this hardware, a batch in one transaction more than ten times that. A failed
 * write keeps its rows (and their journal segments) for the next flush, so a row for
 * an accepted call is never dropped.
 */
export function createCallRecorder(options: CallRecorderOptions): CallRecorder {
  let buffer: ModelCallRecord[] = []
  let segments: string[] = []
  let running: Promise<void> | undefined
  const timer = setInterval(() => void flush(), options.flushIntervalMs)
  timer.unref()

  async function flushAll(): Promise<void> {
    const rotated = options.journal?.rotate()
    if (rotated !== undefined) segments.push(rotated)
    const covered = segments
    while (buffer.length > 0) {
      const batch = buffer.slice(0, options.maxBatch)
      try {
        await options.write(batch)
      } catch (error) {
        options.onError(error, buffer.length)
        return
      }
      buffer = buffer.slice(batch.length)
    }
    // Every row journalled in these segments is now in the table.
    for (const segment of covered) options.journal?.remove(segment)
    segments = segments.filter((segment) => !covered.includes(segment))
  }

  async function flush(): Promise<void> {
    while (running !== undefined) await running
    running = flushAll().finally(() => {
      running = undefined
    })
    await running
  }

  return {
    record(row) {
      options.journal?.append(row)
      buffer.push(row)
      if (buffer.length >= options.maxBatch) void flush()
    },
    flush,
    async close() {
      clearInterval(timer)
      await flush()
    },
    pending: () => buffer.length,
  }
}
