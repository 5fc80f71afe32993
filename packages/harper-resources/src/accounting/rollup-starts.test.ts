import { describe, expect, it } from "vitest"
import { fakeTable } from "../../test/fake-table.ts"
import { markRollupsStart, rollupsSince } from "./rollup-starts.ts"

const now = () => 5_000

describe("markRollupsStart", () => {
  it("records 0 for a node that starts with no rows: every row it stores is in the rollups", async () => {
    const starts = fakeTable()
    await markRollupsStart({ starts, calls: fakeTable([]) }, "a", now)
    expect(starts.puts).toEqual([{ id: "a", since: 0 }])
  })

  it("records now for a node with rows from before the rollups", async () => {
    const starts = fakeTable()
    await markRollupsStart({ starts, calls: fakeTable([{ id: "old" }]) }, "a", now)
    expect(starts.puts).toEqual([{ id: "a", since: 5_000 }])
  })

  it("keeps a start already recorded", async () => {
    const starts = fakeTable([], new Map([["a", { id: "a", since: 0 }]]))
    await markRollupsStart({ starts, calls: fakeTable([{ id: "new" }]) }, "a", now)
    expect(starts.puts).toEqual([])
  })
})

describe("rollupsSince", () => {
  it("is the latest node's start, skipping malformed rows", async () => {
    expect(await rollupsSince(fakeTable([{ id: "a", since: 0 }, { id: "b", since: 7_000 }, { id: "c" }, null]))).toBe(7_000)
  })

  it("is never while no node has started them", async () => {
    expect(await rollupsSince(fakeTable([]))).toBe(Number.POSITIVE_INFINITY)
  })
})
