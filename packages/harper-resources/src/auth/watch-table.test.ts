import { describe, expect, it } from "vitest"
import type { TableLike } from "../harper-tables.ts"
import { watchTable } from "./watch-table.ts"

const base: TableLike = { put: () => undefined, get: () => undefined, search: async function* () {}, setTTLExpiration: () => undefined }

describe("watching a table", () => {
  it("passes each changed row's id from Harper's subscription, asking for changes only", async () => {
    let request: unknown
    const table = {
      ...base,
      subscribe: async (query: { listener: (event: unknown) => void }) => {
        request = query
        query.listener({ id: "k1", type: "put", value: {} })
        query.listener({ id: "k2", type: "delete" })
        query.listener({ type: "end_txn" })
        query.listener(null)
        return {}
      },
    }
    const seen: string[] = []
    expect(
      await watchTable(
        table,
        (id) => seen.push(id),
        () => undefined,
      ),
    ).toBe(true)
    expect(seen).toEqual(["k1", "k2"])
    expect(request).toMatchObject({ omitCurrent: true })
  })
  it("says so when the table cannot be subscribed to, and logs a failed subscription", async () => {
    expect(
      await watchTable(
        base,
        () => undefined,
        () => undefined,
      ),
    ).toBe(false)
    const logged: string[] = []
    const failing = { ...base, subscribe: async () => Promise.reject(new Error("no audit log")) }
    expect(
      await watchTable(
        failing,
        () => undefined,
        (message) => logged.push(message),
      ),
    ).toBe(false)
    expect(logged).toHaveLength(1)
  })
})
