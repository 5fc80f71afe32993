import { claimedRows, claimLeftovers, removeClaimed } from "./journal.ts"
import type { ModelCallRecord } from "@harper-gateway/models"
import { storeRows, type RowStore } from "./store-rows.ts"

export interface ReplayOptions {
  readonly directory: string
  /** This start of the process and this worker: their own folders are never claimed. */
  readonly runId: string
  readonly worker: string
  readonly store: RowStore
  readonly maxBatch: number
  /** Whether a row with this id is stored already (in the table or set aside). */
  readonly isStored: (id: string) => Promise<boolean>
}

/**
 * Stores the rows that earlier runs journalled and never stored (one per call: a call
 * that had started and never ended becomes an `interrupted` row), then removes their
 * folders. A row the table cannot take is quarantined and the rest stored, as the live
 * writer does (store-rows.ts); a folder with rows the table would not store at all (an
 * outage) stays claimed by this worker for its next try, and this rejects.
 * An `interrupted` row never replaces a stored one: a started line can outlive the
 * segment of its call's final row (kept for another call still running), and only the
 * dead run could have written that id, so checking before writing is race-free.
 */
export async function replayLeftovers(options: ReplayOptions): Promise<number> {
  let stored = 0
  for (const folder of claimLeftovers(options.directory, options.runId, options.worker)) {
    for (const segmentRows of claimedRows(folder)) {
      const rows: ModelCallRecord[] = []
      for (const row of segmentRows) if (row.outcome !== "interrupted" || !(await options.isStored(row.id))) rows.push(row)
      const outcome = await storeRows(options.store, rows, options.maxBatch)
      if (outcome.kept.length > 0) throw outcome.error
      stored += rows.length
    }
    removeClaimed(folder)
  }
  return stored
}
