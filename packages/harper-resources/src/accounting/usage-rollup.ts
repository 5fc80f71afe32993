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

/** What one accounting row adds to its tenant's rollups; undefined for a row they skip (or none). */
export interface RowShare {
  readonly tenant: string
  readonly cell: UsageCell
  readonly totals: UsageTotals
}

export function rowShare(row: unknown): RowShare | undefined {
  const tenant: unknown = typeof row === "object" && row !== null ? Reflect.get(row, "tenant") : undefined
  const contribution = rowContribution(row)
  return typeof tenant === "string" && contribution !== undefined ? { tenant, ...contribution } : undefined
}

/** A row written over the one stored under its id (undefined: none was, or it added nothing). */
export interface RowChange {
  readonly before: RowShare | undefined
  readonly after: RowShare | undefined
}

/**
 * What a batch of writes changes, summed per (tenant, cell): one delta per rollup row to
 * change. A row written over a stored one takes the stored one's share away (an
 * `interrupted` row replaced by its call's final row, a row written again), so rollups
 * always equal folding the rows stored.
 */
export function rollupDeltas(changes: readonly RowChange[]): ReadonlyMap<string, RollupDelta> {
  const deltas = new Map<string, RollupDelta>()
  const add = (share: RowShare, totals: UsageTotals) => {
    const key = JSON.stringify([share.tenant, share.cell.hour, share.cell.model, share.cell.keyId])
    deltas.set(key, { tenant: share.tenant, cell: share.cell, totals: addTotals(deltas.get(key)?.totals ?? NO_USAGE, totals) })
  }
  for (const { before, after } of changes) {
    if (before !== undefined) add(before, negated(before.totals))
    if (after !== undefined) add(after, after.totals)
  }
  return deltas
}

function negated(t: UsageTotals): UsageTotals {
  return { calls: -t.calls, errors: -t.errors, prompt: -t.prompt, completion: -t.completion, total: -t.total, cost: -t.cost }
}

/**
 * The rollup row's id: a hash of the unambiguous JSON of its parts, so ids have one
 * length whatever the names (a tenant from a user attribute may be long) and no two
 * parts' values can spell another's.
 */
export function rollupId(delta: Pick<RollupDelta, "tenant" | "cell">, writer: RollupWriterName): string {
  return createHash("sha256")
    .update(JSON.stringify([delta.tenant, delta.cell.hour, delta.cell.model, delta.cell.keyId, writer.node, writer.thread]))
    .digest("base64url")
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
