import { createHash } from "node:crypto"
import { Schema } from "effect"
import { addTotals, HOUR_MS, NO_USAGE, rowContribution, type UsageCell, type UsageTotals } from "./aggregate-usage.ts"

/**
 * Rollups of hdb_model_calls per (tenant, hour, logical model, key), one row per writer:
 * each worker thread of each node adds only to its own rows, so no two writers ever
 * update the same row (no lost updates across threads; replicated rows never conflict),
 * and a read sums every writer's rows.
 */
export interface RollupWriterName {
  readonly node: string
  /** The worker thread, on that node. */
  readonly thread: string
}

export interface RollupDelta {
  readonly tenant: string
  readonly cell: UsageCell
  readonly totals: UsageTotals
}

/** A batch of accounting rows summed per (tenant, cell): one delta per rollup row to change. */
export function rollupDeltas(rows: readonly unknown[]): ReadonlyMap<string, RollupDelta> {
  const deltas = new Map<string, RollupDelta>()
  for (const row of rows) {
    const tenant: unknown = typeof row === "object" && row !== null ? Reflect.get(row, "tenant") : undefined
    const contribution = rowContribution(row)
    if (typeof tenant !== "string" || contribution === undefined) continue
    const key = JSON.stringify([tenant, contribution.cell.hour, contribution.cell.model, contribution.cell.keyId])
    deltas.set(key, { tenant, cell: contribution.cell, totals: addTotals(deltas.get(key)?.totals ?? NO_USAGE, contribution.totals) })
  }
  return deltas
}

/**
 * The rollup row's id: a hash of the unambiguous JSON of its parts, so ids have one
 * length whatever the names (a tenant from a user attribute may be long) and no two
 * parts' values can spell another's.
 */
export function rollupId(delta: Pick<RollupDelta, "tenant" | "cell">, writer: RollupWriterName): string {
  return createHash("sha256").update(JSON.stringify([delta.tenant, delta.cell.hour, delta.cell.model, delta.cell.keyId, writer.node, writer.thread])).digest("base64url")
}

export function toRollupRow(delta: RollupDelta, writer: RollupWriterName) {
  const { totals } = delta
  return {
    id: rollupId(delta, writer),
    tenant: delta.tenant,
    hour: delta.cell.hour,
    logicalModel: delta.cell.model,
    keyId: delta.cell.keyId,
    node: writer.node,
    thread: writer.thread,
    calls: totals.calls,
    errors: totals.errors,
    promptTokens: totals.prompt,
    completionTokens: totals.completion,
    totalTokens: totals.total,
    cost_usd: totals.cost,
  }
}

const StoredRollup = Schema.Struct({
  hour: Schema.Number,
  logicalModel: Schema.optionalKey(Schema.NullOr(Schema.String)),
  keyId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  calls: Schema.Number,
  errors: Schema.Number,
  promptTokens: Schema.Number,
  completionTokens: Schema.Number,
  totalTokens: Schema.Number,
  cost_usd: Schema.Number,
})
const isStoredRollup = Schema.is(StoredRollup)

/** What a stored rollup row adds to its cell; undefined for a row that is not one. */
export function rollupContribution(row: unknown): { readonly cell: UsageCell; readonly totals: UsageTotals } | undefined {
  if (!isStoredRollup(row) || row.hour % HOUR_MS !== 0) return undefined
  return {
    cell: { hour: row.hour, model: row.logicalModel ?? null, keyId: row.keyId ?? null },
    totals: { calls: row.calls, errors: row.errors, prompt: row.promptTokens, completion: row.completionTokens, total: row.totalTokens, cost: row.cost_usd },
  }
}
