import { describe, expect, it } from "vitest"
import { fakeTable } from "../../test/fake-table.ts"
import { createUsageReader } from "./harper-usage-reader.ts"

const range = { from: 1_000, to: 9_000 }

describe("the usage reader", () => {
  it("reads a tenant's rows in the range, newest first, as plain copies", async () => {
    const row = { id: "c1", tenant: "acme", time: 2_000 }
    const calls = fakeTable([row])
    const reader = createUsageReader({ calls, rollups: fakeTable(), rollupStarts: fakeTable() })
    const rows = await reader.rows("acme", range, 10)
    expect(rows).toEqual([row])
    expect(rows[0]).not.toBe(row)
    expect(calls.queries).toEqual([
      {
        conditions: [
          { attribute: "tenant", value: "acme" },
          { attribute: "time", comparator: "between", value: [1_000, 9_000] },
        ],
        sort: { attribute: "time", descending: true },
        limit: 10,
      },
    ])
  })

  it("aggregates from the rows alone while no node has started rollups", async () => {
    const calls = fakeTable([])
    const rollups = fakeTable([])
    const reader = createUsageReader({ calls, rollups, rollupStarts: fakeTable([]) })
    expect(await reader.aggregate("acme", range, "day")).toEqual([])
    expect(calls.queries).toEqual([
      {
        conditions: [
          { attribute: "tenant", value: "acme" },
          { attribute: "time", comparator: "between", value: [1_000, 9_000] },
        ],
      },
    ])
    expect(rollups.queries).toEqual([])
  })

  it("reads the tenant's rollups for the whole hours once every node's are whole", async () => {
    const hour = 3_600_000
    const rollups = fakeTable([])
    const reader = createUsageReader({ calls: fakeTable([]), rollups, rollupStarts: fakeTable([{ id: "a", since: 0 }]) })
    await reader.aggregate("acme", { from: 0, to: 3 * hour - 1 }, "hour")
    expect(rollups.queries).toHaveLength(1)
    expect(Reflect.get(rollups.queries[0] ?? {}, "conditions")).toContainEqual({ attribute: "tenant", value: "acme" })
  })
})
