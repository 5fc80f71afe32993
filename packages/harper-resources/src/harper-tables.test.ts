import { describe, expect, it } from "vitest"
import { recordReader, type TableLike } from "./harper-tables.ts"

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
    const store = { records: new Map([["ann", { username: "ann" }]]), get(id: string) { return this.records.get(id) } }
    const table = fakeTable({ primaryStore: store })
    const read = recordReader(table)
    expect(read("ann")).toEqual({ username: "ann" })
    expect(read("bob")).toBeUndefined()
    expect(table.gets).toEqual([])
  })

  it("falls back to the table's get without a primary store", async () => {
    const table = fakeTable()
    expect(await recordReader(table)("ann")).toEqual({ via: "get", id: "ann" })
    expect(table.gets).toEqual(["ann"])
  })
})
