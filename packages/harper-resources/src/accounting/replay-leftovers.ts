import { claimedRows, claimLeftovers, removeClaimed } from "./journal.ts"
import type { ModelCallRecord } from "@harper-gateway/models"

/**
 * Stores the rows that earlier runs journalled and never stored (one per call: a call
 * that had started and never ended becomes an `interrupted` row), then removes their
 * folders. A folder whose write fails stays claimed by this worker for its next try.
 * An `interrupted` row never replaces a stored one: a started line can outlive the
 * segment of its call's final row (kept for another call still running), and only the
 * dead run could have written that id, so checking before writing is race-free.
 */
export async function replayLeftovers(
  directory: string,
  runId: string,
  worker: string,
  write: (rows: readonly ModelCallRecord[]) => Promise<void>,
  maxBatch: number,
  isStored: (id: string) => Promise<boolean>,
): Promise<number> {
  let stored = 0
  for (const folder of claimLeftovers(directory, runId, worker)) {
    for (const segmentRows of claimedRows(folder)) {
      const rows: ModelCallRecord[] = []
      for (const row of segmentRows) if (row.outcome !== "interrupted" || !(await isStored(row.id))) rows.push(row)
      for (let i = 0; i < rows.length; i += maxBatch) await write(rows.slice(i, i + maxBatch))
      stored += rows.length
    }
    removeClaimed(folder)
  }
  return stored
}
