import type { ModelCallRecord } from "@harper-gateway/models"
import { LRUCache } from "lru-cache"
import type { TableLike } from "../harper-tables.ts"
import { addTotals, NO_USAGE, type UsageTotals } from "./aggregate-usage.ts"
import { rollupContribution, rollupDeltas, rollupId, toRollupRow, type RollupWriterName } from "./usage-rollup.ts"

export interface RollupWriterOptions {
  readonly calls: TableLike
  readonly rollups: TableLike
  readonly writer: RollupWriterName
  /** Rollup rows whose totals this writer keeps in memory (default 10,000); older ones are read again. */
  readonly maxCached?: number
}

/**
 * Writes a batch of accounting rows and adds them to this writer's rollup rows in the same
 * transaction (one shared context: both tables are in one database), so the rollups
 * count exactly the rows stored, a failed batch neither. Batches are written one at a
 * time: each reads the totals the previous one left, kept in memory (this writer is the
 * only one writing its rows) and read from the table once evicted.
 */
export function createRollupWriter(options: RollupWriterOptions): (rows: readonly ModelCallRecord[]) => Promise<void> {
  const known = new LRUCache<string, UsageTotals>({ max: options.maxCached ?? 10_000 })
  let queue: Promise<unknown> = Promise.resolve()
  const writeOne = async (rows: readonly ModelCallRecord[]): Promise<void> => {
    const next = new Map<string, ReturnType<typeof toRollupRow>>()
    for (const delta of rollupDeltas(rows).values()) {
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
