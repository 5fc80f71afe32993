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

/**
 * Folds a tenant's rows into groups, in one pass and with memory for the groups only
 * (however many rows the range holds). `calls` counts calls, not attempts: a call retried
 * or passed to a fallback has one row per attempt, and only its last (`lastAttempt`; rows
 * written before routing are their call's only one) counts it, as an error unless it
 * succeeded, in that row's group. Tokens and cost add up every attempt: the tenant pays
 * for each. `rejected` calls (refused before any backend ran) count as calls and errors;
 * rows without cost or tokens add zero.
 */
export async function aggregateUsage(rows: AsyncIterable<unknown>, grouping: UsageGrouping): Promise<readonly UsageBucket[]> {
  const groups = new Map<string | null, { calls: number; errors: number; prompt: number; completion: number; total: number; cost: number }>()
  for await (const row of rows) {
    if (!isAggregatedRow(row)) continue
    const key = groupOf(row, grouping)
    const group = groups.get(key) ?? { calls: 0, errors: 0, prompt: 0, completion: 0, total: 0, cost: 0 }
    if (row.lastAttempt !== false) {
      group.calls++
      if (row.outcome !== "success") group.errors++
    }
    group.prompt += row.promptTokens ?? 0
    group.completion += row.completionTokens ?? 0
    group.total += row.totalTokens ?? 0
    group.cost += row.cost_usd ?? 0
    groups.set(key, group)
  }
  return [...groups.entries()]
    .map(([group, g]) => ({ group, calls: g.calls, errors: g.errors, prompt_tokens: g.prompt, completion_tokens: g.completion, total_tokens: g.total, cost_usd: Math.round(g.cost * 1e9) / 1e9 }))
    .sort((a, b) => String(a.group).localeCompare(String(b.group)))
}

function groupOf(row: typeof AggregatedRow.Type, grouping: UsageGrouping): string | null {
  switch (grouping) {
    case "hour":
      return new Date(Math.floor(row.time / 3_600_000) * 3_600_000).toISOString()
    case "day":
      return new Date(Math.floor(row.time / 86_400_000) * 86_400_000).toISOString()
    case "model":
      return row.logicalModel ?? null
    case "key":
      return row.keyId ?? null
    default: {
      const unreachable: never = grouping
      return unreachable
    }
  }
}
