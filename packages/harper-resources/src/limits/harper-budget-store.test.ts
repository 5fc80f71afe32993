import { describe, expect, it } from "vitest"
import { fakeTable } from "../../test/fake-table.ts"
import { createBudgetStore } from "./harper-budget-store.ts"
import type { LimitRule } from "./limit-rule.ts"
import type { PeerUsage } from "./peer-usage.ts"

const rule = (partial: Partial<LimitRule>): LimitRule => ({
  id: "tenant:acme",
  tenant: "acme",
  keyId: null,
  model: null,
  requests: null,
  tokens: null,
  windowMs: 60_000,
  concurrent: null,
  budgetUsd: 10,
  budgetPeriod: "day",
  budgetResetAt: null,
  ...partial,
})
// hdb_model_calls rows as the recorder stores them (cost_usd null when the price is unknown).
const calls = [
  { cost_usd: 0.5, keyId: "k1", logicalModel: "default" },
  { cost_usd: 0.25, keyId: "k2", logicalModel: "default" },
  { cost_usd: 1, keyId: "k1", logicalModel: "embed" },
  { cost_usd: null, keyId: "k1", logicalModel: "default" },
  "not a row",
]
const usage: PeerUsage = { id: "b|tenant:acme", node: "b", ruleId: "tenant:acme", windowStart: 0, windowMs: 60_000, requests: 3, tokens: 30, periodStart: 0, spendUsd: 0.1, updated: 1 }

function store(rows: { readonly calls?: readonly unknown[]; readonly limits?: readonly unknown[]; readonly usage?: readonly unknown[] }) {
  const tables = { calls: fakeTable(rows.calls), limits: fakeTable(rows.limits), usage: fakeTable(rows.usage) }
  return { tables, budgets: createBudgetStore(tables) }
}

describe("the budget store", () => {
  it("sums a tenant's spend since a time, asking Harper on the indexed tenant and time", async () => {
    const { tables, budgets } = store({ calls })
    expect(await budgets.spentSince(rule({}), 1_000)).toBe(1.75)
    expect(tables.calls.queries).toEqual([
      {
        conditions: [
          { attribute: "tenant", value: "acme" },
          { attribute: "time", comparator: "greater_than_equal", value: 1_000 },
        ],
        select: ["cost_usd", "keyId", "logicalModel"],
      },
    ])
  })

  it("keeps a key's rule to the key's rows, and a model's to the model's, on every tenant", async () => {
    const { tables, budgets } = store({ calls })
    expect(await budgets.spentSince(rule({ id: "key:k1|model:default", tenant: null, keyId: "k1", model: "default" }), 0)).toBe(0.5)
    expect(tables.calls.queries).toEqual([{ conditions: [{ attribute: "time", comparator: "greater_than_equal", value: 0 }], select: ["cost_usd", "keyId", "logicalModel"] }])
  })

  it("reads the well-formed rules and skips the rest", async () => {
    // gateway_limits rows as the limits endpoint stores them (docs/limits.md); one names no owner.
    const { budgets } = store({ limits: [{ id: "tenant:acme", tenant: "acme", requests: 60 }, { id: "nobody", requests: 1 }, 42] })
    expect((await budgets.rules()).map((found) => [found.id, found.requests])).toEqual([["tenant:acme", 60]])
  })

  it("reads one rule's published use, or all of it, skipping malformed rows", async () => {
    const { tables, budgets } = store({ usage: [usage, { id: "broken" }] })
    expect(await budgets.published("tenant:acme")).toEqual([usage])
    expect(await budgets.readAll()).toEqual([usage])
    expect(tables.usage.queries).toEqual([{ conditions: [{ attribute: "ruleId", value: "tenant:acme" }] }, {}])
  })

  it("publishes this node's use as a row of its own", async () => {
    const { tables, budgets } = store({})
    await budgets.publish(usage)
    expect(tables.usage.puts).toEqual([usage])
    expect(tables.usage.puts[0]).not.toBe(usage)
  })
})
