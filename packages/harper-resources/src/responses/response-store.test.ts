import { describe, expect, it } from "vitest"
import { createResponseStore, type StoreTable, type StoredResponse } from "./response-store.ts"

function memoryTable(): StoreTable & { readonly rows: Map<string, object> } {
  const rows = new Map<string, object>()
  return {
    rows,
    put: async (record: object) => void rows.set(String(Reflect.get(record, "id")), structuredClone(record)),
    get: async (id: string) => structuredClone(rows.get(id)),
    delete: async (id: string) => void rows.delete(id),
  }
}

const stored = (id: string, tenant: string, previous: string | null, n: number): StoredResponse => ({
  id,
  tenant,
  created: n,
  previousResponseId: previous,
  response: { id, object: "response" },
  inputItems: [{ id: `in_${id}`, type: "message", role: "user", content: [{ type: "input_text", text: `q${n}` }] }],
  outputItems: [{ id: `msg_${id}`, type: "message", role: "assistant", content: [{ type: "output_text", text: `a${n}`, annotations: [] }] }],
})

describe("the response store", () => {
  it("keeps each tenant's responses and items from every other tenant", async () => {
    const store = createResponseStore(memoryTable(), memoryTable())
    await store.save(stored("resp_a", "t1", null, 1))
    expect(await store.get("t1", "resp_a")).toMatchObject({ id: "resp_a" })
    expect(await store.get("t2", "resp_a")).toBeUndefined()
    expect(await store.delete("t2", "resp_a")).toBe(false)
    expect([...(await store.items("t2", ["msg_resp_a"])).keys()]).toEqual([])
    expect(await store.chain("t2", "resp_a", 10)).toBeUndefined()
    expect([...(await store.items("t1", ["msg_resp_a", "in_resp_a", "nope"])).keys()]).toEqual(["msg_resp_a", "in_resp_a"])
  })

  it("walks previous_response_id oldest first, within its hop bound, and stops at a missing or foreign link", async () => {
    const store = createResponseStore(memoryTable(), memoryTable())
    await store.save(stored("r1", "t1", null, 1))
    await store.save(stored("r2", "t1", "r1", 2))
    await store.save(stored("r3", "t1", "r2", 3))
    expect((await store.chain("t1", "r3", 10))?.map((r) => r.id)).toEqual(["r1", "r2", "r3"])
    expect(await store.chain("t1", "r3", 2)).toBeUndefined()
    await store.save(stored("x1", "t2", "r3", 4))
    expect(await store.chain("t2", "x1", 10)).toBeUndefined()
  })

  it("deletes a response with its own items, and leaves an earlier response's referenced item to it", async () => {
    const items = memoryTable()
    const store = createResponseStore(memoryTable(), items)
    await store.save(stored("r1", "t1", null, 1))
    expect(await store.delete("t1", "r1")).toBe(true)
    expect(await store.get("t1", "r1")).toBeUndefined()
    await store.save(stored("r2", "t1", null, 2))
    await store.save({ ...stored("r3", "t1", null, 3), inputItems: [{ id: "msg_r2", type: "message" }] })
    expect(await store.delete("t1", "r3")).toBe(true)
    expect(items.rows.has("msg_r2")).toBe(true)
    expect(items.rows.has("msg_r1")).toBe(false)
    expect(items.rows.has("in_r1")).toBe(false)
  })

  it("reads rows that, like Harper's records, show their values only through toJSON", async () => {
    const opaque = (table: StoreTable): StoreTable => ({
      put: table.put,
      delete: table.delete,
      get: async (id: string) => {
        const row: unknown = await table.get(id)
        return row === undefined ? undefined : { toJSON: () => row }
      },
    })
    const store = createResponseStore(opaque(memoryTable()), opaque(memoryTable()))
    await store.save(stored("r1", "t1", null, 1))
    expect(await store.get("t1", "r1")).toMatchObject({ id: "r1", inputItems: [{ id: "in_r1" }] })
    expect((await store.items("t1", ["msg_r1"])).get("msg_r1")).toMatchObject({ type: "message", role: "assistant" })
  })
})
