import { Schema } from "effect"

export type UsageGrouping = "hour" | "day" | "model" | "key"

/** One group of a tenant's calls: how many, how many failed, the tokens and the cost. */
export interface UsageBucket {
  /** ISO start of the hour or day, the logical model, or the key id (null: calls made with Harper credentials). */
  readonly group: string | null
  readonly calls: number
  readonly errors: number
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
  readonly cost_usd: number
}

/** The columns of an accounting row that the aggregates read (older rows may lack the newer ones). */
const AggregatedRow = Schema.Struct({
  time: Schema.Number,
  outcome: Schema.String,
  logicalModel: Schema.optionalKey(Schema.NullOr(Schema.String)),
  keyId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  promptTokens: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  completionTokens: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  totalTokens: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  cost_usd: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  lastAttempt: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
})
const isAggregatedRow = Schema.is(AggregatedRow)

export const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/** The finest group any grouping needs: every grouping is a function of it. */
export interface UsageCell {
  /** Start of the hour (epoch ms). */
  readonly hour: number
  readonly model: string | null
  readonly keyId: string | null
}

export interface UsageTotals {
  readonly calls: number
  readonly errors: number
  readonly prompt: number
  readonly completion: number
  readonly total: number
  readonly cost: number
}

export const NO_USAGE: UsageTotals = { calls: 0, errors: 0, prompt: 0, completion: 0, total: 0, cost: 0 }

export function addTotals(a: UsageTotals, b: UsageTotals): UsageTotals {
  return { calls: a.calls + b.calls, errors: a.errors + b.errors, prompt: a.prompt + b.prompt, completion: a.completion + b.completion, total: a.total + b.total, cost: a.cost + b.cost }
}

/**
 * What one accounting row adds to its cell, or undefined for a row the aggregates skip.
 * `calls` counts calls, not attempts: a call retried or passed to a fallback has one row
 * per attempt, and only its last (`lastAttempt`; rows written before routing are their
 * call's only one) counts it, as an error unless it succeeded, in that row's group.
 * Tokens and cost add up every attempt: the tenant pays for each. `rejected` calls
 * (refused before any backend ran) count as calls and errors; rows without cost or
 * tokens add zero.
 */
export function rowContribution(row: unknown): { readonly cell: UsageCell; readonly totals: UsageTotals } | undefined {
  if (!isAggregatedRow(row)) return undefined
  const counted = row.lastAttempt !== false
  return {
    cell: { hour: Math.floor(row.time / HOUR_MS) * HOUR_MS, model: row.logicalModel ?? null, keyId: row.keyId ?? null },
    totals: {
      calls: counted ? 1 : 0,
      errors: counted && row.outcome !== "success" ? 1 : 0,
      prompt: row.promptTokens ?? 0,
      completion: row.completionTokens ?? 0,
      total: row.totalTokens ?? 0,
      cost: row.cost_usd ?? 0,
    },
  }
}

/** Groups cells' totals, with memory for the groups only (however many cells are added). */
export function createUsageFold(grouping: UsageGrouping): { add(cell: UsageCell, totals: UsageTotals): void; buckets(): readonly UsageBucket[] } {
  const groups = new Map<string | null, UsageTotals>()
  return {
    add(cell, totals) {
      const key = groupOf(cell, grouping)
      groups.set(key, addTotals(groups.get(key) ?? NO_USAGE, totals))
    },
    buckets: () =>
      [...groups.entries()]
        .map(([group, g]) => ({ group, calls: g.calls, errors: g.errors, prompt_tokens: g.prompt, completion_tokens: g.completion, total_tokens: g.total, cost_usd: Math.round(g.cost * 1e9) / 1e9 || 0 }))
        .sort((a, b) => String(a.group).localeCompare(String(b.group))),
  }
}

/** Folds a tenant's rows into groups, in one pass (see rowContribution for what each row adds). */
export async function aggregateUsage(rows: AsyncIterable<unknown>, grouping: UsageGrouping): Promise<readonly UsageBucket[]> {
  const fold = createUsageFold(grouping)
  for await (const row of rows) {
    const contribution = rowContribution(row)
    if (contribution !== undefined) fold.add(contribution.cell, contribution.totals)
  }
  return fold.buckets()
}

function groupOf(cell: UsageCell, grouping: UsageGrouping): string | null {
  switch (grouping) {
    case "hour":
      return new Date(cell.hour).toISOString()
    case "day":
      return new Date(Math.floor(cell.hour / DAY_MS) * DAY_MS).toISOString()
    case "model":
      return cell.model
    case "key":
      return cell.keyId
    default: {
      const unreachable: never = grouping
      return unreachable
    }
  }
}
