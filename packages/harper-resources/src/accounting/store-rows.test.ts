import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { ModelCallRecord } from "@harper-gateway/models"
import { testRow } from "../../../models/test/test-row.ts"
import { storeRows, type RowStore } from "./store-rows.ts"

/**
 * A table that refuses, as Harper does, a transaction holding a row it cannot take: an Int
 * out of its range, or (for a reason the gateway does not check) a tenant named "refused".
 * Down, it refuses everything.
 */
function fakeTable() {
  const stored = new Map<string, ModelCallRecord>()
  const quarantined = new Map<string, string>()
  const state = { down: false, writes: 0, quarantineDown: false, quarantines: 0 }
  const store: RowStore = {
    write: async (rows) => {
      state.writes++
      if (state.down) throw new Error("table unavailable")
      const bad = rows.find((row) => (row.promptTokens ?? 0) > 2_147_483_647 || row.tenant === "refused")
      if (bad !== undefined) throw new Error(`promptTokens must be an integer between -2147483648 and 2147483647, attempt to assign ${bad.promptTokens}`)
      for (const row of rows) stored.set(row.id, row)
    },
    quarantine: async (row, reason) => {
      state.quarantines++
      if (state.quarantineDown) throw new Error("quarantine unavailable")
      quarantined.set(row.id, reason)
    },
  }
  return { store, stored, quarantined, state }
}

describe("storing rows so that no row can hold back the others", () => {
  it("quarantines a row whose count does not fit its Int column, with why, and writes the others (other tenants) in one transaction", async () => {
    const table = fakeTable()
    const outcome = await storeRows(table.store, [testRow("a", { tenant: "acme" }), testRow("huge", { tenant: "evil", promptTokens: 1e20 }), testRow("b", { tenant: "other" })], 500)
    expect(outcome.kept).toEqual([])
    expect([...table.stored.keys()]).toEqual(["a", "b"])
    expect(table.quarantined.get("huge")).toBe("promptTokens is 100000000000000000000: not a 32-bit integer (an Int column)")
    expect(table.state.writes).toBe(1)
  })

  it("isolates a row the table refuses for a reason the gateway does not check: the rest are stored, it is quarantined with the table's message", async () => {
    const table = fakeTable()
    const outcome = await storeRows(table.store, [testRow("a"), testRow("x", { tenant: "refused" }), testRow("b")], 500)
    expect(outcome.kept).toEqual([])
    expect([...table.stored.keys()].sort()).toEqual(["a", "b"])
    expect(table.quarantined.get("x")).toMatch(/^the table refused it: Error: promptTokens must be an integer/)
  })

  it("gets past a refused row alone in its batch (batches of one), when later rows are stored", async () => {
    const table = fakeTable()
    const outcome = await storeRows(table.store, [testRow("x", { tenant: "refused" }), testRow("a"), testRow("b")], 1)
    expect(outcome.kept).toEqual([])
    expect([...table.stored.keys()]).toEqual(["a", "b"])
    expect([...table.quarantined.keys()]).toEqual(["x"])
  })

  it("quarantines nothing while the table stores nothing (an outage): every row is kept, and it stops trying after a few writes", async () => {
    const table = fakeTable()
    table.state.down = true
    const rows = Array.from({ length: 2_000 }, (_, i) => testRow(`r${i}`))
    const outcome = await storeRows(table.store, rows, 500)
    expect(new Set(outcome.kept.map((row) => row.id))).toEqual(new Set(rows.map((row) => row.id)))
    expect(outcome.kept.length).toBe(rows.length)
    expect(outcome.error).toEqual(new Error("table unavailable"))
    expect(table.quarantined.size).toBe(0)
    expect(table.state.writes).toBeLessThanOrEqual(10)
  })

  it("keeps, without trying to quarantine it, a row that fails the column check while the table stores nothing (an outage)", async () => {
    const table = fakeTable()
    table.state.down = true
    const rows = [testRow("a"), testRow("huge", { promptTokens: 1e20 }), testRow("b")]
    const outcome = await storeRows(table.store, rows, 1)
    expect(outcome.kept.map((row) => row.id).sort()).toEqual(["a", "b", "huge"])
    expect(table.state.quarantines).toBe(0)
    table.state.down = false
    expect((await storeRows(table.store, outcome.kept, 1)).kept).toEqual([])
    expect([...table.quarantined.keys()]).toEqual(["huge"])
  })

  it("keeps a row the quarantine could not take (refused by the table, or failing the column check), and stores the rest", async () => {
    const table = fakeTable()
    table.state.quarantineDown = true
    const outcome = await storeRows(table.store, [testRow("a"), testRow("huge", { promptTokens: 1e20 }), testRow("x", { tenant: "refused" }), testRow("b")], 500)
    expect(outcome.kept.map((row) => row.id).sort()).toEqual(["huge", "x"])
    expect(outcome.error).toBeDefined()
    expect([...table.stored.keys()].sort()).toEqual(["a", "b"])
  })

  it("whatever rows are bad and wherever they are, once traffic goes on every row ends stored or quarantined, and only the bad ones quarantined", async () => {
    const kinds = fc.constantFrom("good", "huge", "refused")
    await fc.assert(
      fc.asyncProperty(fc.array(kinds, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), async (plan, maxBatch) => {
        const table = fakeTable()
        const rows = plan.map((kind, i) => testRow(`r${i}`, kind === "huge" ? { promptTokens: 3e9 } : kind === "refused" ? { tenant: "refused" } : {}))
        let kept: readonly ModelCallRecord[] = rows
        // Each pass is a flush: what was kept, then a call that came meanwhile.
        for (let pass = 0; pass < 40 && kept.length > 0; pass++) kept = (await storeRows(table.store, [...kept, testRow(`new-${pass}`)], maxBatch)).kept
        expect(kept).toEqual([])
        for (const [i, row] of rows.entries()) {
          expect(plan[i] === "good" ? table.stored.has(row.id) : table.quarantined.has(row.id), `${row.id} ${plan[i]}`).toBe(true)
          expect(table.stored.has(row.id) && table.quarantined.has(row.id)).toBe(false)
        }
      }),
    )
  })
})
