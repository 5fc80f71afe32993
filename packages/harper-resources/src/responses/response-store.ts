import { Schema } from "effect"

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
 * that read stored items need plain ones.
 */
function plain(row: unknown): unknown {
  return row === undefined || row === null ? row : JSON.parse(JSON.stringify(row))
}

export interface ResponseStore {
  save(stored: StoredResponse): Promise<void>
  /** The tenant's response, or undefined: another tenant's response does not exist for this one. */
  get(tenant: string, id: string): Promise<StoredResponse | undefined>
  delete(tenant: string, id: string): Promise<boolean>
  /** The stored items with these ids that belong to the tenant (for `item_reference` inputs). */
  items(tenant: string, ids: readonly string[]): Promise<ReadonlyMap<string, unknown>>
  /**
   * The conversation behind `previous_response_id`: the chain of responses, oldest
   * first, or undefined when a link is missing, another tenant's, or the chain is longer
   * than `maxHops` (which bounds the reads one request can cause).
   */
  chain(tenant: string, id: string, maxHops: number): Promise<readonly StoredResponse[] | undefined>
}

/**
 * Responses and their items in two Harper tables of the gateway's database: one row per
 * response, one per item (so an `item_reference` is one read by id). Every read checks
 * the tenant: a tenant can never read, continue or delete another's response.
 */
export function createResponseStore(responses: StoreTable, items: StoreTable): ResponseStore {
  const read = async (tenant: string, id: string): Promise<StoredResponse | undefined> => {
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
      const writes: unknown[] = [responses.put({ ...stored }, context)]
      for (const item of [...stored.inputItems, ...stored.outputItems]) {
        const id = itemId(item)
        // An input item that an earlier response already stored (an item_reference) stays that response's.
        if (id === undefined || (stored.inputItems.includes(item) && (await readItem(stored.tenant, id)) !== undefined)) continue
        writes.push(items.put({ id: itemKey(stored.tenant, id), tenant: stored.tenant, responseId: stored.id, item }, context))
      }
      await Promise.all(writes)
    },
    get: read,
    async delete(tenant, id) {
      const found = await read(tenant, id)
      if (found === undefined) return false
      const context = {}
      const deletes: unknown[] = [responses.delete(id, context)]
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
    async chain(tenant, id, maxHops) {
      const chain: StoredResponse[] = []
      for (let next: string | null = id; next !== null; ) {
        if (chain.length >= maxHops) return undefined
        const found = await read(tenant, next)
        if (found === undefined) return undefined
        chain.push(found)
        next = found.previousResponseId
      }
      return chain.reverse()
    },
  }
}
