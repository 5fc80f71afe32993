import type { ModelCallRecord } from "@harper-gateway/models"
import { LRUCache } from "lru-cache"
import type { TableLike } from "../harper-tables.ts"
import { addTotals, NO_USAGE, type UsageTotals } from "./aggregate-usage.ts"
import { rollupContribution, rollupDeltas, rollupId, rowShare, toRollupRow, type RollupWriterName } from "./usage-rollup.ts"

export interface RollupWriterOptions {
  readonly calls: TableLike
  readonly rollups: TableLike
  readonly writer: RollupWriterName
  /** Rollup rows whose totals this writer keeps in memory (default 10,000); older ones are read again. */
  readonly maxCached?: number
  /** Reads a stored accounting row by id (default `calls.get`; the plugin reads lmdb directly). */
  readonly readRow?: (id: string) => unknown
}

/**
 * Writes a batch of accounting rows and adds them to this writer's rollup rows in the same
 * transaction (one shared context: both tables are in one database), so the rollups
 * count exactly the rows stored, a failed batch neither. Batches are written one at a
 * time: each reads the totals the previous one left, kept in memory (this writer is the
 * only one writing its rows) and read from the table once evicted. A row written over one
 * stored under its id (replays, retries, an `interrupted` row then its final row) adds
 * only the difference: the stored row's share is read first and taken away (from this
 * writer's rollup row, whoever added it: reads sum every writer's). Batches of one writer
 * are written one after the other, and two writers never write one id: a dead run's rows
 * are replayed by the one worker that claimed its folder.
 */
export function createRollupWriter(options: RollupWriterOptions): (rows: readonly ModelCallRecord[]) => Promise<void> {
  const known = new LRUCache<string, UsageTotals>({ max: options.maxCached ?? 10_000 })
  const readRow = options.readRow ?? ((id: string) => options.calls.get(id))
  let queue: Promise<unknown> = Promise.resolve()
  const writeOne = async (batch: readonly ModelCallRecord[]): Promise<void> => {
    // One id twice in a batch: the last is the one stored (puts of one transaction land in any order).
    const rows = [...new Map(batch.map((row) => [row.id, row])).values()]
    const changes = await Promise.all(rows.map(async (row) => ({ before: rowShare(await readRow(row.id)), after: rowShare(row) })))
    const next = new Map<string, ReturnType<typeof toRollupRow>>()
    for (const delta of rollupDeltas(changes).values()) {
      const id = rollupId(delta, options.writer)
      const before = known.get(id) ?? rollupContribution(await options.rollups.get(id))?.totals ?? NO_USAGE
      next.set(id, toRollupRow({ ...delta, totals: addTotals(before, delta.totals) }, options.writer))
    }
    const context = {}
    await Promise.all([...rows.map((row) => options.calls.put({ ...row }, context)), ...[...next.values()].map((row) => options.rollups.put({ ...row }, context))])
    for (const [id, row] of next) known.set(id, { calls: row.calls, errors: row.errors, prompt: row.promptTokens, completion: row.completionTokens, total: row.totalTokens, cost: row.cost_usd })
  }
  return (rows) => {
    const written = queue.then(() => writeOne(rows))
    queue = written.catch(() => undefined)
    return written
  }
}
