import { claimedRows, claimLeftovers, removeClaimed } from "./journal.ts"
import type { ModelCallRecord } from "./model-call-record.ts"

/**
 * Stores the rows that earlier runs journalled and never stored (one per call: a call
 * that had started and never ended becomes an `interrupted` row), then removes their
 * folders. A folder whose write fails stays claimed by this worker for its next try.
 */
export async function replayLeftovers(
  directory: string,
  runId: string,
  worker: string,
  write: (rows: readonly ModelCallRecord[]) => Promise<void>,
  maxBatch: number,
): Promise<number> {
  let stored = 0
  for (const folder of claimLeftovers(directory, runId, worker)) {
    for (const rows of claimedRows(folder)) {
      for (let i = 0; i < rows.length; i += maxBatch) await write(rows.slice(i, i + maxBatch))
      stored += rows.length
    }
    removeClaimed(folder)
  }
  return stored
}
