import { createGroupCommit } from "./group-commit.ts"
import { readSegment, type Journal } from "./journal.ts"
import type { ModelCallRecord } from "@harper-gateway/models"
import { storeRows, type RowStore } from "./store-rows.ts"

const DEFAULT_MAX_BUFFERED_ROWS = 20_000

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
  /**
   * Journals a call's row as `interrupted`; the call awaits it before its backend is called
   * (rejects if the journal could not take it). `record` with the same id completes it.
   */
  started(row: ModelCallRecord): Promise<void> | undefined
  /** Buffers the final row, journalled before any code after this call goes on (the call's answer is sent after). */
  record(row: ModelCallRecord): void
  /** Writes everything buffered so far; resolves when it is stored (or has failed and been kept). */
  flush(): Promise<void>
  /** Flushes, then stops the timer. */
  close(): Promise<void>
  /** Rows waiting in memory. */
  pending(): number
}

/** A journal line: a call's started line, or a final row. */
interface Entry {
  readonly row: ModelCallRecord
  readonly started: boolean
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
 * Journal lines are group-committed (group-commit.ts): the started lines of the calls
 * starting in one loop turn share one write, awaited before their backends are called;
 * a final row is written before the code that recorded it goes on, with whatever else
 * is queued, so a client never has an answer whose row is not journalled.
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
  const lines = journal === undefined ? undefined : createGroupCommit<Entry>((entries) => journalEntries(journal, entries))

  /** One write for the group; then the segments' open calls, counted where the lines really went. */
  function journalEntries(to: Journal, entries: readonly Entry[]): void {
    let path: string
    try {
      path = to.append(entries.map((entry) => entry.row))
    } catch (error) {
      // Started calls are refused (their waiters reject). Final rows stay buffered for the table, and
      // their calls' started lines stay journalled: a crash replays them only if the row was not stored.
      options.onError(error, buffer.length)
      throw error
    }
    const segment = segmentOf(path)
    for (const { row, started } of entries) {
      if (started) {
        segment.openCalls++
        openCalls.set(row.id, segment)
        continue
      }
      const open = openCalls.get(row.id)
      if (open !== undefined) {
        openCalls.delete(row.id)
        open.openCalls--
      }
    }
  }

  const segmentOf = (path: string): Segment => {
    let segment = segmentsByPath.get(path)
    if (segment === undefined) {
      segment = { path, openCalls: 0 }
      segmentsByPath.set(path, segment)
    }
    return segment
  }

  async function flushAll(): Promise<void> {
    // Every buffered row's line is in a segment this flush covers.
    lines?.drain()
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
        const replayed = await storeRows(
          options.store,
          readSegment(segment.path).filter((row) => row.outcome !== "interrupted"),
          options.maxBatch,
        )
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
      return lines?.add({ row, started: true }, "end-of-loop-turn")
    },
    record(row) {
      // Not awaited: a failed write is reported by journalEntries, and the row stays buffered.
      void lines?.add({ row, started: false }, "before-continuations")
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
