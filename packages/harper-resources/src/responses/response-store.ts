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
export type StoredRow = Omit<StoredResponse, "depth" | "historyBytes">

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
export type ChainRead =
  | { readonly kind: "found"; readonly items: readonly unknown[]; readonly depth: number; readonly bytes: number }
  | { readonly kind: "missing" }
  | { readonly kind: "too_deep" }
  | { readonly kind: "too_large" }

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

const ItemRow = Schema.Struct({ id: Schema.String, tenant: Schema.String, responseId: Schema.String, item: Schema.Unknown })
const isItemRow = Schema.is(ItemRow)

/**
 * An item row's primary key: the (tenant, item id) pair, length-prefixed so no two pairs
 * share a key (`1:B:msg:x` is ("B", "msg:x"), `5:B:msg:x` is ("B:msg", "x")). Item ids
 * are the client's to choose, so a bare id would let one tenant take an id from all.
 */
export function itemKey(tenant: string, id: string): string {
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
  /** The stored items with these ids that belong to the tenant (for `item_reference` inputs). */
  items(tenant: string, ids: readonly string[]): Promise<ReadonlyMap<string, unknown>>
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
  const readItem = async (tenant: string, id: string): Promise<typeof ItemRow.Type | undefined> => {
    for (const key of [itemKey(tenant, id), id]) {
      const row: unknown = plain(await items.get(key))
      if (isItemRow(row) && row.tenant === tenant) return row
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
        writes.push(items.put({ id: itemKey(stored.tenant, id), tenant: stored.tenant, responseId: stored.id, item: toStoredJson(item) }, context))
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
    async items(tenant, ids) {
      const found = new Map<string, unknown>()
      for (const id of new Set(ids)) {
        const row = await readItem(tenant, id)
        if (row !== undefined) found.set(id, row.item)
      }
      return found
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
