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
  depth: n,
  historyBytes: 0,
  response: { id, object: "response" },
  inputItems: [{ id: `in_${id}`, type: "message", role: "user", content: [{ type: "input_text", text: `q${n}` }] }],
  outputItems: [{ id: `msg_${id}`, type: "message", role: "assistant", content: [{ type: "output_text", text: `a${n}`, annotations: [] }] }],
})

describe("the response store", () => {
  it("keeps each tenant's responses and items from every other tenant", async () => {
    const store = createResponseStore(memoryTable(), memoryTable(), memoryTable())
    await store.save(stored("resp_a", "t1", null, 1))
    expect(await store.get("t1", "resp_a")).toMatchObject({ id: "resp_a" })
    expect(await store.get("t2", "resp_a")).toBeUndefined()
    expect(await store.delete("t2", "resp_a")).toBe(false)
    expect([...(await store.items("t2", ["msg_resp_a"])).keys()]).toEqual([])
    expect(await store.chain("t2", "resp_a", { maxDepth: 10, maxBytes: 1_000_000 })).toEqual({ kind: "missing" })
    expect([...(await store.items("t1", ["msg_resp_a", "in_resp_a", "nope"])).keys()]).toEqual(["msg_resp_a", "in_resp_a"])
  })

  const roomy = { maxDepth: 10, maxBytes: 1_000_000 }
  const itemsOf = (response: StoredResponse) => [...response.inputItems, ...response.outputItems]

  it("walks previous_response_id oldest first, with the chain's depth and the bytes of its items, and stops at a missing or foreign link", async () => {
    const store = createResponseStore(memoryTable(), memoryTable(), memoryTable())
    const turns = [stored("r1", "t1", null, 1), stored("r2", "t1", "r1", 2), stored("r3", "t1", "r2", 3)]
    for (const turn of turns) await store.save(turn)
    const expectedBytes = turns.reduce((sum, turn) => sum + Buffer.byteLength(JSON.stringify(itemsOf(turn)).slice(1, -1)) - (itemsOf(turn).length - 1), 0)
    expect(await store.chain("t1", "r3", roomy)).toEqual({ kind: "found", items: turns.flatMap(itemsOf), depth: 3, bytes: expectedBytes })
    expect(await store.chain("t1", "nope", roomy)).toEqual({ kind: "missing" })
    await store.save(stored("x1", "t2", "r3", 4))
    expect(await store.chain("t2", "x1", roomy)).toEqual({ kind: "missing" })
  })

  const legacy = (response: StoredResponse): object => {
    const { depth: _depth, historyBytes: _bytes, ...row } = response
    return row
  }

  it("refuses a chain that holds maxDepth responses already (no room for another), reading at most maxDepth rows", async () => {
    const responses = memoryTable()
    let reads = 0
    const counted: StoreTable = { ...responses, get: async (id: string) => ((reads += 1), responses.get(id)) }
    const store = createResponseStore(counted, memoryTable(), memoryTable())
    // Rows without stored figures: the walk itself is bounded.
    for (let n = 1; n <= 6; n++) await responses.put(legacy(stored(`r${n}`, "t1", n === 1 ? null : `r${n - 1}`, n)))
    expect(await store.chain("t1", "r4", { ...roomy, maxDepth: 5 })).toMatchObject({ kind: "found", depth: 4 })
    expect(await store.chain("t1", "r5", { ...roomy, maxDepth: 5 })).toEqual({ kind: "too_deep" })
    reads = 0
    expect(await store.chain("t1", "r6", { ...roomy, maxDepth: 5 })).toEqual({ kind: "too_deep" })
    expect(reads).toBeLessThanOrEqual(5)
  })

  it("refuses a chain whose items are over maxBytes", async () => {
    const store = createResponseStore(memoryTable(), memoryTable(), memoryTable())
    await store.save(stored("r1", "t1", null, 1))
    await store.save(stored("r2", "t1", "r1", 2))
    const found = await store.chain("t1", "r2", roomy)
    if (found.kind !== "found") throw new Error(found.kind)
    expect(await store.chain("t1", "r2", { ...roomy, maxBytes: found.bytes })).toMatchObject({ kind: "found" })
    expect(await store.chain("t1", "r2", { ...roomy, maxBytes: found.bytes - 1 })).toEqual({ kind: "too_large" })
  })

  it("refuses from the newest response's stored depth and size, without reading the response or the rest of its chain", async () => {
    const responses = memoryTable()
    let reads = 0
    const counted: StoreTable = { ...responses, get: async (id: string) => ((reads += 1), responses.get(id)) }
    const store = createResponseStore(counted, memoryTable(), memoryTable())
    await store.save(stored("r1", "t1", null, 1))
    await store.save({ ...stored("r2", "t1", "r1", 2), depth: 2, historyBytes: 5_000_000 })
    reads = 0
    expect(await store.chain("t1", "r2", roomy)).toEqual({ kind: "too_large" })
    await store.save({ ...stored("r3", "t1", "r2", 3), depth: 10, historyBytes: 10 })
    expect(await store.chain("t1", "r3", { ...roomy, maxBytes: 10_000_000 })).toEqual({ kind: "too_deep" })
    expect(reads).toBe(0)
    // Another tenant's figures refuse nothing: its chain is missing.
    expect(await store.chain("t2", "r3", roomy)).toEqual({ kind: "missing" })
    expect(await store.delete("t1", "r2")).toBe(true)
    expect(await store.chain("t1", "r2", roomy)).toEqual({ kind: "missing" })
  })

  it("measures rows stored before the depth and size were (they have neither)", async () => {
    const responses = memoryTable()
    const store = createResponseStore(responses, memoryTable(), memoryTable())
    await responses.put(legacy(stored("r1", "t1", null, 1)))
    expect(await store.chain("t1", "r1", roomy)).toMatchObject({ kind: "found", depth: 1, items: itemsOf(stored("r1", "t1", null, 1)) })
  })

  it("keys items by tenant and id: a client's id one tenant used is still free for every other, and each reference finds its own tenant's item", async () => {
    const items = memoryTable()
    const store = createResponseStore(memoryTable(), items, memoryTable())
    const withItem = (id: string, tenant: string, text: string, itemId = "msg_x"): StoredResponse => ({
      ...stored(id, tenant, null, 1),
      inputItems: [{ id: itemId, type: "message", role: "user", content: [{ type: "input_text", text }] }],
      outputItems: [],
    })
    await store.save(withItem("ra", "A", "tenant A's"))
    await store.save(withItem("rb", "B", "tenant B's"))
    expect((await store.items("A", ["msg_x"])).get("msg_x")).toMatchObject({ content: [{ text: "tenant A's" }] })
    expect((await store.items("B", ["msg_x"])).get("msg_x")).toMatchObject({ content: [{ text: "tenant B's" }] })
    // The pair's encoding is unambiguous: ("B:msg", "x") and ("B", "msg:x") are two keys.
    await store.save(withItem("rc", "B:msg", "tenant B:msg's", "x"))
    expect((await store.items("B", ["msg:x"])).size).toBe(0)
    expect(items.rows.size).toBe(3)
    expect(await store.delete("B", "rb")).toBe(true)
    expect([...(await store.items("B", ["msg_x"])).keys()]).toEqual([])
    expect((await store.items("A", ["msg_x"])).get("msg_x")).toMatchObject({ content: [{ text: "tenant A's" }] })
  })

  it("still finds an item stored before items were keyed by tenant (its bare id), for its own tenant only", async () => {
    const items = memoryTable()
    const store = createResponseStore(memoryTable(), items, memoryTable())
    await items.put({ id: "msg_old", tenant: "A", responseId: "r0", item: { id: "msg_old", type: "message", role: "user", content: "old" } })
    expect((await store.items("A", ["msg_old"])).get("msg_old")).toMatchObject({ content: "old" })
    expect((await store.items("B", ["msg_old"])).size).toBe(0)
  })

  it("deletes a response with its own items, and leaves an earlier response's referenced item to it", async () => {
    const items = memoryTable()
    const store = createResponseStore(memoryTable(), items, memoryTable())
    await store.save(stored("r1", "t1", null, 1))
    expect(await store.delete("t1", "r1")).toBe(true)
    expect(await store.get("t1", "r1")).toBeUndefined()
    await store.save(stored("r2", "t1", null, 2))
    await store.save({ ...stored("r3", "t1", null, 3), inputItems: [{ id: "msg_r2", type: "message" }] })
    expect(await store.delete("t1", "r3")).toBe(true)
    expect((await store.items("t1", ["msg_r2"])).has("msg_r2")).toBe(true)
    expect(items.rows.size).toBe(2)
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
    const store = createResponseStore(opaque(memoryTable()), opaque(memoryTable()), opaque(memoryTable()))
    await store.save(stored("r1", "t1", null, 1))
    expect(await store.get("t1", "r1")).toMatchObject({ id: "r1", inputItems: [{ id: "in_r1" }] })
    expect((await store.items("t1", ["msg_r1"])).get("msg_r1")).toMatchObject({ type: "message", role: "assistant" })
  })
})
