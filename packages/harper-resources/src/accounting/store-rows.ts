import type { ModelCallRecord } from "@harper-gateway/models"
import { describeThrown } from "@harper-gateway/translate"
import { columnFault } from "./row-columns.ts"

/** Where accounting rows go. */
export interface RowStore {
  /** Writes rows in one transaction; rejects if they could not be written. Writing a row again (same id) overwrites it. */
  readonly write: (rows: readonly ModelCallRecord[]) => Promise<void>
  /** Sets aside a row the table cannot take, with why, where an operator finds it (and alerts); rejects if it could not. */
  readonly quarantine: (row: ModelCallRecord, reason: string) => Promise<void>
}

/** What a store pass left: rows to keep and try again (none stored, none quarantined), and the first write error. */
export interface StoreOutcome {
  readonly kept: readonly ModelCallRecord[]
  readonly error: unknown
}

/** Longest reason kept for a row the table refused (its own message). */
const MAX_REASON_CHARS = 500
/** Rows written alone, all refused, after which a batch looks like an outage rather than one bad row. */
const SINGLES_BEFORE_OUTAGE = 3
/** Batches in a row that stored nothing, after which the table looks down and the pass stops. */
const EMPTY_BATCHES_BEFORE_OUTAGE = 2

type Refused = { readonly row: ModelCallRecord; readonly reason: string }

/**
 * Stores rows `maxBatch` at a time so that no row can hold back the others. A row whose
 * numbers do not fit their columns is set aside before its batch is written, and quarantined
 * once the pass stored rows (or wrote nothing else). A batch the
 * table refuses is written row by row; a row refused alone is tried once more after the
 * table stored others in this pass, then quarantined with the table's message. When the
 * table stores nothing (an outage) nothing is quarantined: the pass stops early and every
 * row not stored is kept, rows never tried first, so the next pass starts with other rows.
 * A row written twice (kept after a partial write) overwrites itself.
 */
export async function storeRows(store: RowStore, rows: readonly ModelCallRecord[], maxBatch: number): Promise<StoreOutcome> {
  const faulty: Refused[] = []
  const refused: Refused[] = []
  const untried: ModelCallRecord[] = []
  let error: unknown
  let storedAny = false
  let triedAny = false
  let emptyBatches = 0
  for (let i = 0; i < rows.length; i += maxBatch) {
    if (!storedAny && emptyBatches >= EMPTY_BATCHES_BEFORE_OUTAGE) {
      untried.push(...rows.slice(i).filter((row) => !setAside(row, faulty)))
      break
    }
    const fitting = rows.slice(i, i + maxBatch).filter((row) => !setAside(row, faulty))
    if (fitting.length === 0) continue
    triedAny = true
    const written = await writeIsolating(store, fitting)
    error ??= written.error
    refused.push(...written.refused)
    untried.push(...written.untried)
    storedAny ||= written.storedAny
    emptyBatches = written.storedAny ? 0 : emptyBatches + 1
  }
  const kept: ModelCallRecord[] = [...untried]
  // The table works (it stored rows in this pass) yet refused these alone: once more each, then they are set aside.
  for (const { row, reason } of refused) {
    if (!storedAny) kept.push(row)
    else if (!(await written(store, row))) faulty.push({ row, reason })
  }
  // A table that stored nothing (an outage) would refuse the quarantine put too: such rows wait for the next pass.
  const outage = triedAny && !storedAny
  for (const { row, reason } of faulty) {
    if (outage) {
      kept.push(row)
      continue
    }
    try {
      await store.quarantine(row, reason)
    } catch (quarantineError) {
      error ??= quarantineError
      kept.push(row)
    }
  }
  return { kept, error }
}

/** Whether the row does not fit its columns; if so, it is added to `faulty` with why. */
function setAside(row: ModelCallRecord, faulty: Refused[]): boolean {
  const fault = columnFault(row)
  if (fault !== undefined) faulty.push({ row, reason: fault })
  return fault !== undefined
}

async function written(store: RowStore, row: ModelCallRecord): Promise<boolean> {
  try {
    await store.write([row])
    return true
  } catch {
    return false
  }
}

/** Writes the batch; when it is refused, each row alone, stopping early when the first few are all refused. */
async function writeIsolating(store: RowStore, rows: readonly ModelCallRecord[]): Promise<{ storedAny: boolean; refused: Refused[]; untried: ModelCallRecord[]; error: unknown }> {
  try {
    await store.write(rows)
    return { storedAny: true, refused: [], untried: [], error: undefined }
  } catch (batchError) {
    const [only] = rows
    if (rows.length === 1 && only !== undefined) return { storedAny: false, refused: [{ row: only, reason: refusal(batchError) }], untried: [], error: batchError }
    const refused: Refused[] = []
    let storedAny = false
    for (const [i, row] of rows.entries()) {
      if (!storedAny && refused.length >= SINGLES_BEFORE_OUTAGE) return { storedAny, refused, untried: rows.slice(i), error: batchError }
      try {
        await store.write([row])
        storedAny = true
      } catch (error) {
        refused.push({ row, reason: refusal(error) })
      }
    }
    return { storedAny, refused, untried: [], error: batchError }
  }
}

function refusal(error: unknown): string {
  return `the table refused it: ${describeThrown(error).slice(0, MAX_REASON_CHARS)}`
}
