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

/** A table whose rows, like Harper's records, decode a field only when it is read: it counts the items decoded and their bytes. */
function lazyTable(): StoreTable & { readonly rows: Map<string, object>; readonly decoded: { items: number; bytes: number } } {
  const table = memoryTable()
  const decoded = { items: 0, bytes: 0 }
  const lazy = (row: object): object => {
    const record = {}
    for (const [key, value] of Object.entries(row)) {
      Object.defineProperty(record, key, {
        enumerable: true,
        get: () => {
          if (key === "item") {
            decoded.items += 1
            decoded.bytes += Buffer.byteLength(JSON.stringify(value))
          }
          return structuredClone(value)
        },
      })
    }
    return record
  }
  return { ...table, decoded, get: async (id: string) => (table.rows.has(id) ? lazy(table.rows.get(id) ?? {}) : undefined) }
}

/** The items found for references, within a budget no test here reaches. */
async function found(store: ReturnType<typeof createResponseStore>, tenant: string, ids: readonly string[]): Promise<ReadonlyMap<string, unknown>> {
  const read = await store.items(tenant, ids, Number.MAX_SAFE_INTEGER)
  if (read.kind !== "found") throw new Error(read.kind)
  return read.items
}

describe("the response store", () => {
  it("keeps each tenant's responses and items from every other tenant", async () => {
    const store = createResponseStore(memoryTable(), memoryTable(), memoryTable())
    await store.save(stored("resp_a", "t1", null, 1))
    expect(await store.get("t1", "resp_a")).toMatchObject({ id: "resp_a" })
    expect(await store.get("t2", "resp_a")).toBeUndefined()
    expect(await store.delete("t2", "resp_a")).toBe(false)
    expect([...(await found(store, "t2", ["msg_resp_a"])).keys()]).toEqual([])
    expect(await store.chain("t2", "resp_a", { maxDepth: 10, maxBytes: 1_000_000 })).toEqual({ kind: "missing" })
    expect([...(await found(store, "t1", ["msg_resp_a", "in_resp_a", "nope"])).keys()]).toEqual(["msg_resp_a", "in_resp_a"])
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
    expect((await found(store, "A", ["msg_x"])).get("msg_x")).toMatchObject({ content: [{ text: "tenant A's" }] })
    expect((await found(store, "B", ["msg_x"])).get("msg_x")).toMatchObject({ content: [{ text: "tenant B's" }] })
    // The pair's encoding is unambiguous: ("B:msg", "x") and ("B", "msg:x") are two keys.
    await store.save(withItem("rc", "B:msg", "tenant B:msg's", "x"))
    expect((await found(store, "B", ["msg:x"])).size).toBe(0)
    expect(items.rows.size).toBe(3)
    expect(await store.delete("B", "rb")).toBe(true)
    expect([...(await found(store, "B", ["msg_x"])).keys()]).toEqual([])
    expect((await found(store, "A", ["msg_x"])).get("msg_x")).toMatchObject({ content: [{ text: "tenant A's" }] })
  })

  it("still finds an item stored before items were keyed by tenant (its bare id), for its own tenant only", async () => {
    const items = memoryTable()
    const store = createResponseStore(memoryTable(), items, memoryTable())
    await items.put({ id: "msg_old", tenant: "A", responseId: "r0", item: { id: "msg_old", type: "message", role: "user", content: "old" } })
    expect((await found(store, "A", ["msg_old"])).get("msg_old")).toMatchObject({ content: "old" })
    expect((await found(store, "B", ["msg_old"])).size).toBe(0)
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
    expect((await found(store, "t1", ["msg_r2"])).has("msg_r2")).toBe(true)
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
    expect((await found(store, "t1", ["msg_r1"])).get("msg_r1")).toMatchObject({ type: "message", role: "assistant" })
  })

  describe("item_references within a byte budget", () => {
    /** A response whose input is `count` items of about `size` bytes each, ids `big_0`…. */
    const bigItems = (count: number, size: number): StoredResponse => ({
      ...stored("r_big", "t1", null, 1),
      inputItems: Array.from({ length: count }, (_, i) => ({ id: `big_${i}`, type: "message", role: "user", content: [{ type: "input_image", image_url: `data:image/png;base64,${"A".repeat(size)}` }] })),
      outputItems: [],
    })
    const ids = (count: number) => Array.from({ length: count }, (_, i) => `big_${i}`)

    it("stops once past the budget: 100 references to 10 KB items with 25 KB left decode at most the budget and one item", async () => {
      const items = lazyTable()
      const store = createResponseStore(memoryTable(), items, memoryTable())
      await store.save(bigItems(100, 10_000))
      expect(await store.items("t1", ids(100), 25_000)).toEqual({ kind: "too_large" })
      // 2 items fit (20 KB): the 3rd is refused from its stored size, before it is decoded.
      expect(items.decoded.items).toBe(2)
      expect(items.decoded.bytes).toBeLessThanOrEqual(25_000)
    })

    it("refuses an item whose stored size alone is past the budget without decoding it", async () => {
      const items = lazyTable()
      const store = createResponseStore(memoryTable(), items, memoryTable())
      await store.save(bigItems(1, 50_000))
      expect(await store.items("t1", ["big_0"], 10_000)).toEqual({ kind: "too_large" })
      expect(items.decoded).toEqual({ items: 0, bytes: 0 })
    })

    it("counts each reference to one item, reading the item once, and gives the bytes it counted", async () => {
      const items = lazyTable()
      const store = createResponseStore(memoryTable(), items, memoryTable())
      await store.save(bigItems(1, 4_000))
      const once = await store.items("t1", ["big_0"], 10_000)
      if (once.kind !== "found") throw new Error(once.kind)
      const size = Buffer.byteLength(JSON.stringify(once.items.get("big_0")))
      items.decoded.items = 0
      expect(await store.items("t1", ["big_0", "big_0", "missing"], 2 * size)).toMatchObject({ kind: "found", bytes: 2 * size })
      expect(items.decoded.items).toBe(1)
      expect(await store.items("t1", ["big_0", "big_0", "big_0"], 2 * size + 1)).toEqual({ kind: "too_large" })
      // Missing and foreign ids count nothing.
      expect(await store.items("t2", ["big_0", "big_0", "big_0"], 0)).toMatchObject({ kind: "found", bytes: 0 })
    })

    it("measures an item whose row has no size (stored before sizes were) or a wrong one as it is read: at most one item past the budget", async () => {
      const items = lazyTable()
      const store = createResponseStore(memoryTable(), items, memoryTable())
      await store.save(bigItems(3, 10_000))
      for (const [key, row] of items.rows) {
        const { bytes: _bytes, ...legacy } = { bytes: undefined, ...row }
        items.rows.set(key, key.endsWith("big_0") ? legacy : { ...legacy, bytes: key.endsWith("big_1") ? 1 : -5 })
      }
      expect(await store.items("t1", ids(3), 15_000)).toEqual({ kind: "too_large" })
      expect(items.decoded.items).toBe(2)
    })
  })
})
