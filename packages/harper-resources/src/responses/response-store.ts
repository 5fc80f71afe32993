import { Schema } from "effect"
import { jsonBytes } from "./json-bytes.ts"
import { fromStoredJson, toStoredJson } from "./stored-json.ts"

/** What the store needs of a Harper table: the TableLike calls, plus delete. */
export interface StoreTable {
  put(record: object, context?: object): unknown
  get(id: string): unknown
  delete(id: string, context?: object): unknown
}

/** Whether a Harper table has what the store needs (the delete besides TableLike's calls). */
export function isStoreTable<T extends object>(table: T): table is T & StoreTable {
  return ["put", "get", "delete"].every((method) => typeof Reflect.get(table, method) === "function")
}

/** One stored response: the Response object as sent, and the items it was made from, in order. */
export interface StoredResponse {
  readonly id: string
  readonly tenant: string
  /** Epoch milliseconds. */
  readonly created: number
  readonly previousResponseId: string | null
  /** The Response object as the client received it (Responses wire JSON). */
  readonly response: unknown
  /** Its input items, references already resolved, each with its id. */
  readonly inputItems: readonly unknown[]
  /** Its output items, each with its id. */
  readonly outputItems: readonly unknown[]
  /** How many responses its chain holds, itself included (1 without a previous response). */
  readonly depth: number
  /** The bytes of its chain's items, its own included (`itemsBytes` of each response's items, summed). */
  readonly historyBytes: number
}

/** A stored response as read back (its chain's figures are kept apart: see `chain`). */
type StoredRow = Omit<StoredResponse, "depth" | "historyBytes">

/** What one request may rebuild from storage: at most `maxDepth` responses, `maxBytes` of items. */
export interface ChainBounds {
  readonly maxDepth: number
  readonly maxBytes: number
}

/**
 * A `previous_response_id` chain as read: its items oldest first (each response's input
 * items, then its output items) with its depth and their bytes; or why not: a link is
 * missing or another tenant's, the chain holds `maxDepth` responses already (a new turn
 * would pass it), or its items are over `maxBytes`.
 */
export type ChainRead = { readonly kind: "found"; readonly items: readonly unknown[]; readonly depth: number; readonly bytes: number } | { readonly kind: "missing" } | { readonly kind: "too_deep" } | { readonly kind: "too_large" }

/**
 * The size of items as the history bound counts it (jsonBytes of each, summed), once for
 * each time an item occurs. It stops once past `stopAbove`: whatever it returns then is
 * over, and a thousand references to one large item cost one item's walk past the bound.
 */
export function itemsBytes(items: readonly unknown[], stopAbove: number = Number.POSITIVE_INFINITY): number {
  let bytes = 0
  for (const item of items) {
    bytes += jsonBytes(item)
    if (bytes > stopAbove) return bytes
  }
  return bytes
}

/** Referenced items as read: by id, with the bytes counted (each reference once), or past the budget. */
type ItemsRead = { readonly kind: "found"; readonly items: ReadonlyMap<string, unknown>; readonly bytes: number } | { readonly kind: "too_large" }

const ResponseRow = Schema.Struct({
  id: Schema.String,
  tenant: Schema.String,
  created: Schema.Number,
  previousResponseId: Schema.NullOr(Schema.String),
  response: Schema.Unknown,
  inputItems: Schema.Array(Schema.Unknown),
  outputItems: Schema.Array(Schema.Unknown),
})
const isResponseRow = Schema.is(ResponseRow)

/** A response's chain figures, in a row of their own: refusing a chain past the bounds reads no response and no item. */
const HeadRow = Schema.Struct({ id: Schema.String, tenant: Schema.String, depth: Schema.Number, historyBytes: Schema.Number })
const isHeadRow = Schema.is(HeadRow)

/** An item row without its item: what is read before deciding to decode the item. */
const ItemHead = Schema.Struct({ id: Schema.String, tenant: Schema.String, responseId: Schema.String })
const isItemHead = Schema.is(ItemHead)

/** An item row as read: its item is decoded only when asked for, after its stored size (`bytes`, absent in rows stored before sizes were) was checked. */
interface ItemRead {
  readonly id: string
  readonly tenant: string
  readonly responseId: string
  readonly bytes: number | undefined
  readonly item: () => unknown
}

/**
 * An item row read field by field: a Harper record decodes a field when it is read, so
 * the size and tenant are known before the item (perhaps megabytes) is decoded or
 * copied. A row that shows its fields only through toJSON is copied whole.
 */
function itemRead(raw: unknown): ItemRead | undefined {
  if (typeof raw !== "object" || raw === null) return undefined
  const head = { id: Reflect.get(raw, "id"), tenant: Reflect.get(raw, "tenant"), responseId: Reflect.get(raw, "responseId") }
  if (isItemHead(head)) return { ...head, bytes: storedSize(Reflect.get(raw, "bytes")), item: () => plain(Reflect.get(raw, "item")) }
  const row = plain(raw)
  if (typeof row !== "object" || row === null) return undefined
  const copied = { id: Reflect.get(row, "id"), tenant: Reflect.get(row, "tenant"), responseId: Reflect.get(row, "responseId") }
  const item: unknown = Reflect.get(row, "item")
  return isItemHead(copied) ? { ...copied, bytes: storedSize(Reflect.get(row, "bytes")), item: () => item } : undefined
}

/** A stored size the store can rely on: a finite count of bytes, or none (then the item is measured as read). */
function storedSize(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined
}

/**
 * An item row's primary key: the (tenant, item id) pair, length-prefixed so no two pairs
 * share a key (`1:B:msg:x` is ("B", "msg:x"), `5:B:msg:x` is ("B:msg", "x")). Item ids
 * are the client's to choose, so a bare id would let one tenant take an id from all.
 */
function itemKey(tenant: string, id: string): string {
  return `${tenant.length}:${tenant}:${id}`
}

/**
 * A row as plain JSON. Harper hands back record objects whose nested values answer
 * `JSON.stringify` but not `in` or own-key reads the way plain objects do; the schemas
 * that read stored items need plain ones. Big integers come back as their digits.
 */
function plain(row: unknown): unknown {
  return fromStoredJson(row)
}

export interface ResponseStore {
  save(stored: StoredResponse): Promise<void>
  /** The tenant's response, or undefined: another tenant's response does not exist for this one. */
  get(tenant: string, id: string): Promise<StoredRow | undefined>
  delete(tenant: string, id: string): Promise<boolean>
  /**
   * The stored items these `item_reference` ids name that belong to the tenant, each
   * counted once per id in `ids` (so repeat a reference and it counts again), within
   * `maxBytes`: each item's stored size refuses it before it is decoded, and each item
   * read is measured, so it stops with `too_large` holding at most `maxBytes` and one item.
   */
  items(tenant: string, ids: readonly string[], maxBytes: number): Promise<ItemsRead>
  /**
   * The conversation behind `previous_response_id`, within the bounds: at most
   * `maxDepth` reads, and the newest response's stored depth and size (its head row)
   * refuse a chain past them before any response is read. The walk measures as it goes (rows stored before the
   * figures were, and the figures' own check): what it returns is measured.
   */
  chain(tenant: string, id: string, bounds: ChainBounds): Promise<ChainRead>
}

/**
 * Responses and their items in three Harper tables of the gateway's database: one row per
 * response, one per item (so an `item_reference` is one read by key), and one small row
 * per response with its chain's depth and size (`heads`). Every read checks the tenant:
 * a tenant can never read, continue or delete another's response.
 */
export function createResponseStore(responses: StoreTable, items: StoreTable, heads: StoreTable): ResponseStore {
  const read = async (tenant: string, id: string): Promise<StoredRow | undefined> => {
    const row: unknown = plain(await responses.get(id))
    return isResponseRow(row) && row.tenant === tenant ? row : undefined
  }
  // Rows stored before items were keyed by tenant sit under the bare id: still found, for their own tenant only.
  const readItem = async (tenant: string, id: string): Promise<ItemRead | undefined> => {
    for (const key of [itemKey(tenant, id), id]) {
      const row = itemRead(await items.get(key))
      if (row !== undefined && row.tenant === tenant) return row
    }
    return undefined
  }
  const itemId = (item: unknown): string | undefined => {
    const id: unknown = typeof item === "object" && item !== null ? Reflect.get(item, "id") : undefined
    return typeof id === "string" && id !== "" ? id : undefined
  }
  return {
    async save(stored) {
      // One context: Harper commits the response and its items as one transaction.
      const context = {}
      const { depth, historyBytes, ...row } = stored
      const writes: unknown[] = [
        responses.put({ ...row, response: toStoredJson(stored.response), inputItems: toStoredJson(stored.inputItems), outputItems: toStoredJson(stored.outputItems) }, context),
        heads.put({ id: stored.id, tenant: stored.tenant, depth, historyBytes }, context),
      ]
      for (const item of [...stored.inputItems, ...stored.outputItems]) {
        const id = itemId(item)
        // An input item that an earlier response already stored (an item_reference) stays that response's.
        if (id === undefined || (stored.inputItems.includes(item) && (await readItem(stored.tenant, id)) !== undefined)) continue
        // Its size as the history bound counts it, so a reference past the bound is refused before the item is read.
        writes.push(items.put({ id: itemKey(stored.tenant, id), tenant: stored.tenant, responseId: stored.id, bytes: jsonBytes(item), item: toStoredJson(item) }, context))
      }
      await Promise.all(writes)
    },
    get: read,
    async delete(tenant, id) {
      const found = await read(tenant, id)
      if (found === undefined) return false
      const context = {}
      const deletes: unknown[] = [responses.delete(id, context), heads.delete(id, context)]
      for (const item of [...found.inputItems, ...found.outputItems]) {
        const key = itemId(item)
        const row = key === undefined ? undefined : await readItem(tenant, key)
        if (row !== undefined && row.responseId === id) deletes.push(items.delete(row.id, context))
      }
      await Promise.all(deletes)
      return true
    },
    async items(tenant, ids, maxBytes) {
      const found = new Map<string, unknown>()
      // Each id's measured size, read once (0 for an id the tenant has no item under).
      const sizes = new Map<string, number>()
      let bytes = 0
      for (const id of ids) {
        let size = sizes.get(id)
        if (size === undefined) {
          const row = await readItem(tenant, id)
          if (row?.bytes !== undefined && bytes + row.bytes > maxBytes) return { kind: "too_large" }
          size = 0
          if (row !== undefined) {
            const item = row.item()
            // Measured, not taken from the row: a size stored wrong (or not at all) lets at most this one item past.
            size = jsonBytes(item)
            found.set(id, item)
          }
          sizes.set(id, size)
        }
        bytes += size
        if (bytes > maxBytes) return { kind: "too_large" }
      }
      return { kind: "found", items: found, bytes }
    },
    async chain(tenant, id, { maxDepth, maxBytes }) {
      const turns: (readonly unknown[])[] = []
      let bytes = 0
      // A response stored before heads were has none: the walk alone bounds its chain.
      const head: unknown = plain(await heads.get(id))
      if (isHeadRow(head) && head.tenant === tenant) {
        if (head.depth >= maxDepth) return { kind: "too_deep" }
        if (head.historyBytes > maxBytes) return { kind: "too_large" }
      }
      for (let next: string | null = id; next !== null; ) {
        if (turns.length >= maxDepth) return { kind: "too_deep" }
        const found = await read(tenant, next)
        if (found === undefined) return { kind: "missing" }
        const items = [...found.inputItems, ...found.outputItems]
        bytes += itemsBytes(items, maxBytes - bytes)
        if (bytes > maxBytes) return { kind: "too_large" }
        turns.push(items)
        next = found.previousResponseId
      }
      if (turns.length >= maxDepth) return { kind: "too_deep" }
      return { kind: "found", items: turns.reverse().flat(), depth: turns.length, bytes }
    },
  }
}
