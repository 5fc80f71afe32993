import { readSegment, type Journal } from "./journal.ts"
import type { ModelCallRecord } from "@harper-gateway/models"
import { storeRows, type RowStore } from "./store-rows.ts"

export const DEFAULT_MAX_BUFFERED_ROWS = 20_000

export interface CallRecorderOptions {
  /** The table, and where a row it cannot take is set aside (see store-rows.ts). */
  readonly store: RowStore
  readonly flushIntervalMs: number
  readonly maxBatch: number
  readonly onError: (error: unknown, pending: number) => void
  /** Where each row is written synchronously first, so a stop or crash loses nothing. */
  readonly journal?: Journal
  /**
   * Rows kept in memory while writes fail; past it, rows live only in the journal and
   * are read back from it once a write succeeds. Without a journal rows are never dropped.
   */
  readonly maxBuffered?: number
}

export interface CallRecorder {
  /** Journals a call's row as `interrupted` before its backend is called; `record` with the same id completes it. */
  started(row: ModelCallRecord): void
  record(row: ModelCallRecord): void
  /** Writes everything buffered so far; resolves when it is stored (or has failed and been kept). */
  flush(): Promise<void>
  /** Flushes, then stops the timer. */
  close(): Promise<void>
  /** Rows waiting in memory. */
  pending(): number
}

interface Segment {
  readonly path: string
  /** Started calls journalled here that have not ended: the segment is their only trace. */
  openCalls: number
}

/**
 * Batches accounting rows off the request path: single-row transactions run ~1.4k/s
 * on this hardware, a batch in one transaction more than ten times that. A row the table
 * cannot take is quarantined and the rest written (store-rows.ts); a failed write keeps
 * its rows (and their journal segments) for the next flush, so a row for an accepted
 * call is never dropped; past `maxBuffered` the journal alone keeps them.
 * A segment holding a call's started line stays until the call ends, so a crash
 * leaves that call's `interrupted` line.
 */
export function createCallRecorder(options: CallRecorderOptions): CallRecorder {
  const journal = options.journal
  const maxBuffered = journal === undefined ? Number.POSITIVE_INFINITY : (options.maxBuffered ?? DEFAULT_MAX_BUFFERED_ROWS)
  let buffer: ModelCallRecord[] = []
  /** Rows taken from the buffer by the flush in progress (still held in memory). */
  let inFlight = 0
  /** Rotated segments, oldest first, not removed yet. */
  let rotated: Segment[] = []
  const segmentsByPath = new Map<string, Segment>()
  /** Started calls not ended yet, by id: the segment holding their started line. */
  const openCalls = new Map<string, Segment>()
  /** Rows journalled but not buffered since the last successful flush. */
  let dropped = false
  let running: Promise<void> | undefined
  const timer = setInterval(() => void flush(), options.flushIntervalMs)
  timer.unref()

  const segmentOf = (path: string): Segment => {
    let segment = segmentsByPath.get(path)
    if (segment === undefined) {
      segment = { path, openCalls: 0 }
      segmentsByPath.set(path, segment)
    }
    return segment
  }

  async function flushAll(): Promise<void> {
    const justRotated = journal?.rotate()
    if (justRotated !== undefined) rotated.push(segmentOf(justRotated))
    const covered = rotated
    const replayCovered = dropped
    dropped = false
    const taken = buffer
    buffer = []
    inFlight = taken.length
    const outcome = await storeRows(options.store, taken, options.maxBatch)
    inFlight = 0
    // Kept rows first: rows that came meanwhile were never tried, and the kept ones start with rows not tried either.
    buffer = [...outcome.kept, ...buffer]
    let failure = outcome.kept.length > 0 ? { error: outcome.error } : undefined
    // Rows dropped from memory are in the covered segments: read them back, final rows only
    // (a started line could overwrite the final row of a call that ended meanwhile).
    if (failure === undefined && replayCovered) {
      for (const segment of covered) {
        const replayed = await storeRows(options.store, readSegment(segment.path).filter((row) => row.outcome !== "interrupted"), options.maxBatch)
        if (replayed.kept.length === 0) continue
        failure = { error: replayed.error }
        break
      }
    }
    if (failure !== undefined) {
      dropped ||= replayCovered
      options.onError(failure.error, buffer.length)
      return
    }
    // Every row journalled in these segments is now in the table.
    const kept = covered.filter((segment) => segment.openCalls > 0)
    for (const segment of covered) {
      if (segment.openCalls > 0) continue
      journal?.remove(segment.path)
      segmentsByPath.delete(segment.path)
    }
    rotated = [...kept, ...rotated.filter((segment) => !covered.includes(segment))]
  }

  async function flush(): Promise<void> {
    while (running !== undefined) await running
    running = flushAll().finally(() => {
      running = undefined
    })
    await running
  }

  return {
    started(row) {
      if (journal === undefined) return
      const segment = segmentOf(journal.append(row))
      segment.openCalls++
      openCalls.set(row.id, segment)
    },
    record(row) {
      journal?.append(row)
      const open = openCalls.get(row.id)
      if (open !== undefined) {
        openCalls.delete(row.id)
        open.openCalls--
      }
      if (buffer.length + inFlight >= maxBuffered) dropped = true
      else buffer.push(row)
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
