import type { TableLike } from "../harper-tables.ts"
import { toLimitRule, type LimitRule } from "./limit-rule.ts"
import { toPeerUsage, type PeerUsage } from "./peer-usage.ts"

export interface BudgetTables {
  /** hdb_model_calls: what was spent. */
  readonly calls: TableLike
  /** gateway_limits: the rules. */
  readonly limits: TableLike
  /** gateway_limit_usage: every node's published use of each rule. */
  readonly usage: TableLike
}

/** What the limiter and the cluster sync read and write of Harper's tables. */
export interface BudgetStore {
  /** Every well-formed rule (a row that is not one is skipped). */
  readonly rules: () => Promise<readonly LimitRule[]>
  /** USD recorded for a rule's owner (and model) since `sinceMs`. */
  readonly spentSince: (rule: LimitRule, sinceMs: number) => Promise<number>
  /** Every node's published use of one rule. */
  readonly published: (ruleId: string) => Promise<readonly PeerUsage[]>
  /** Every node's published use of every rule. */
  readonly readAll: () => Promise<readonly PeerUsage[]>
  readonly publish: (usage: PeerUsage) => Promise<void>
}

export function createBudgetStore(tables: BudgetTables): BudgetStore {
  const { calls, limits, usage } = tables
  const readUsage = (query: object) => collect(usage.search(query), toPeerUsage)
  return {
    rules: () => collect(limits.search({}), toLimitRule),
    spentSince: (rule, sinceMs) => spentSince(calls, rule, sinceMs),
    published: (ruleId) => readUsage({ conditions: [{ attribute: "ruleId", value: ruleId }] }),
    readAll: () => readUsage({}),
    publish: async (published) => void (await usage.put({ ...published })),
  }
}

async function collect<T>(rows: AsyncIterable<unknown>, read: (row: unknown) => T | undefined): Promise<readonly T[]> {
  const found: T[] = []
  for await (const row of rows) {
    const value = read(row)
    if (value !== undefined) found.push(value)
  }
  return found
}

/** Sums cost_usd of the matching rows; `time` and `tenant` are indexed, key and model are filtered here. */
async function spentSince(calls: TableLike, rule: LimitRule, since: number): Promise<number> {
  const conditions: object[] = [{ attribute: "time", comparator: "greater_than_equal", value: since }]
  if (rule.tenant !== null) conditions.unshift({ attribute: "tenant", value: rule.tenant })
  let sum = 0
  for await (const row of calls.search({ conditions, select: ["cost_usd", "keyId", "logicalModel"] })) {
    if (typeof row !== "object" || row === null) continue
    if (rule.keyId !== null && Reflect.get(row, "keyId") !== rule.keyId) continue
    if (rule.model !== null && Reflect.get(row, "logicalModel") !== rule.model) continue
    const cost: unknown = Reflect.get(row, "cost_usd")
    if (typeof cost === "number") sum += cost
  }
  return sum
}
