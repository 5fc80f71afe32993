import { describe, expect, it } from "vitest"
import { quarantineRow, recordReader, type TableLike } from "./harper-tables.ts"
import { testRow } from "../../models/test/test-row.ts"

function fakeTable(extra: object = {}): TableLike & { gets: string[] } {
  const gets: string[] = []
  return Object.assign(
    {
      gets,
      put: () => undefined,
      get: (id: string) => {
        gets.push(id)
        return Promise.resolve({ via: "get", id })
      },
      search: async function* () {},
      setTTLExpiration: () => undefined,
    },
    extra,
  )
}

describe("recordReader", () => {
  it("reads from the primary store, synchronously, when the table exposes one", () => {
    const store = {
      records: new Map([["ann", { username: "ann" }]]),
      get(id: string) {
        return this.records.get(id)
      },
    }
    const table = fakeTable({ primaryStore: store })
    const read = recordReader(table)
    expect(read("ann")).toEqual({ username: "ann" })
    expect(read("bob")).toBeUndefined()
    expect(table.gets).toEqual([])
  })

  it("reads the latest committed record when asked for a fresh read: the thread's shared read snapshot is reset first", () => {
    // lmdb keeps a thread's read snapshot until a timer renews it, so a user another thread
    // has just dropped can still be read from it; the user lookup must not be.
    const steps: string[] = []
    const store = {
      committed: new Map([["ann", { username: "ann" }]]),
      snapshot: new Map([["ann", { username: "ann" }]]),
      resetReadTxn() {
        steps.push("reset")
        this.snapshot = new Map(this.committed)
      },
      get(id: string) {
        steps.push("get")
        return this.snapshot.get(id)
      },
    }
    const read = recordReader(fakeTable({ primaryStore: store }), { fresh: true })
    store.committed.delete("ann")
    expect(read("ann")).toBeUndefined()
    expect(steps).toEqual(["reset", "get"])
    expect(recordReader(fakeTable({ primaryStore: store }))("ann")).toBeUndefined()
  })

  it("falls back to the table's get without a primary store", async () => {
    const table = fakeTable()
    expect(await recordReader(table)("ann")).toEqual({ via: "get", id: "ann" })
    expect(table.gets).toEqual(["ann"])
  })
})

describe("quarantineRow", () => {
  it("sets the row aside under its id with why, and alerts", async () => {
    const puts: object[] = []
    const alerts: string[] = []
    const row = testRow("r1", { tenant: "acme", promptTokens: 1e20 })
    await quarantineRow(fakeTable({ put: (record: object) => void puts.push(record) }), { row, reason: "promptTokens is 1e20" }, (message) => void alerts.push(message))
    expect(puts).toEqual([{ id: "r1", time: expect.any(Number), tenant: "acme", reason: "promptTokens is 1e20", row }])
    expect(alerts).toEqual(["gateway accounting: row r1 (tenant acme) cannot be stored in hdb_model_calls: promptTokens is 1e20; set aside in gateway.gateway_quarantine"])
  })

  it("rejects when the quarantine table refuses too (so the writer keeps the row), and the alert carries the whole row", async () => {
    const alerts: string[] = []
    const row = testRow("r2")
    const refusing = fakeTable({ put: () => Promise.reject(new Error("disk full")) })
    await expect(quarantineRow(refusing, { row, reason: "why" }, (message) => void alerts.push(message))).rejects.toThrow("disk full")
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toContain("Error: disk full")
    expect(alerts[0]).toContain(JSON.stringify(row))
  })
})
