import { describe, expect, it } from "vitest"
import { othersUse, toPeerUsage, type PeerUsage } from "./peer-usage.ts"

const record = (fields: Partial<PeerUsage>): PeerUsage => ({ id: "x", node: "b", ruleId: "r", windowStart: 60_000, windowMs: 60_000, requests: 1, tokens: 10, periodStart: 0, spendUsd: 0.5, updated: 0, ...fields })

describe("peer usage", () => {
  it("reads a stored row and refuses one with a missing or mistyped field", () => {
    expect(toPeerUsage({ ...record({}), extra: true })).toEqual(record({}))
    expect(toPeerUsage({ ...record({}), requests: "1" })).toBeUndefined()
    const { node: _node, ...withoutNode } = record({})
    expect(toPeerUsage(withoutNode)).toBeUndefined()
  })

  it("sums the other nodes of the rule: counts of the same window only, spend of the same period only", () => {
    const records = [
      record({ node: "a", requests: 100, spendUsd: 100 }), // this node
      record({ node: "b" }),
      record({ node: "c", requests: 2, tokens: 20, spendUsd: 0.25 }),
      record({ node: "d", ruleId: "other", requests: 100, spendUsd: 100 }),
      record({ node: "e", windowStart: 0, requests: 100, periodStart: -1, spendUsd: 100 }),
    ]
    expect(othersUse(records, "a", "r", { start: 60_000, ms: 60_000 }, 0)).toEqual({ requests: 3, tokens: 30, spendUsd: 0.75 })
    expect(othersUse(records, "a", "r", null, null)).toEqual({ requests: 0, tokens: 0, spendUsd: 0 })
  })
})
