import { Schema } from "effect"
import type { ModelCallRecord } from "@harper-gateway/models"
import { describeThrown } from "@harper-gateway/translate"
import type { GatewayKeyRecord } from "./auth/gateway-keys.ts"

/** What the gateway needs of a Harper table (declared structurally; Harper's generics are loose). */
export interface TableLike {
  put(record: object, context?: object): unknown
  get(id: string): unknown
  search(query: object): AsyncIterable<unknown>
  setTTLExpiration(expiration: number): void
}

export function isTable(value: unknown): value is TableLike {
  return typeof value === "object" || typeof value === "function" ? value !== null && ["put", "get", "search", "setTTLExpiration"].every((method) => typeof Reflect.get(value, method) === "function") : false
}

/**
 * Reads a record by id straight from the table's primary store (lmdb, synchronous):
 * Harper's `get` wraps the same read in a Resource and a transaction, which on the
 * per-call user lookup cost about 3% of a call's CPU. The store is a documented static of
 * Harper's tables (`Table.primaryStore`); where it is missing, `get` is used. `fresh`
 * reads the latest commit rather than the thread's current read snapshot.
 */
export function recordReader(table: TableLike, options: { readonly fresh?: boolean } = {}): (id: string) => unknown {
  const store: unknown = Reflect.get(table, "primaryStore")
  const get: unknown = typeof store === "object" && store !== null ? Reflect.get(store, "get") : undefined
  if (typeof get !== "function") return (id) => table.get(id)
  const reset: unknown = options.fresh === true && typeof store === "object" && store !== null ? Reflect.get(store, "resetReadTxn") : undefined
  if (typeof reset !== "function") return (id) => Reflect.apply(get, store, [id])
  // lmdb keeps a thread's read snapshot until a timer renews it: a record another thread has
  // just deleted (a dropped user) could still be read from it. Reset, then read what is committed.
  return (id) => {
    Reflect.apply(reset, store, [])
    return Reflect.apply(get, store, [id])
  }
}

/**
 * Sets aside a row hdb_model_calls cannot take in gateway_quarantine, under its own id (so
 * doing it again changes nothing), and alerts in the log. Should even that put fail, the
 * log line carries the whole row and this rejects, so the writer keeps the row (and its
 * journal segment) and tries again.
 */
export async function quarantineRow(table: TableLike, refused: { readonly row: ModelCallRecord; readonly reason: string }, alert: (message: string) => void): Promise<void> {
  const { row, reason } = refused
  const what = `gateway accounting: row ${row.id} (tenant ${row.tenant ?? "none"}) cannot be stored in hdb_model_calls: ${reason}`
  try {
    await table.put({ id: row.id, time: Date.now(), tenant: row.tenant, reason, row: { ...row } }, {})
  } catch (error) {
    alert(`${what}; gateway.gateway_quarantine refused it too (${describeThrown(error)}), kept to try again; the row: ${JSON.stringify(row)}`)
    throw error
  }
  alert(`${what}; set aside in gateway.gateway_quarantine`)
}

const KeyRecord = Schema.Struct({
  id: Schema.String,
  hash: Schema.String,
  user: Schema.String,
  tenant: Schema.optionalKey(Schema.NullOr(Schema.String)),
  models: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.String))),
  name: Schema.optionalKey(Schema.NullOr(Schema.String)),
  created: Schema.Number,
  revoked: Schema.optionalKey(Schema.NullOr(Schema.Number)),
})
const isKeyRecord = Schema.is(KeyRecord)

export function toKeyRecord(value: unknown): GatewayKeyRecord | undefined {
  if (!isKeyRecord(value)) return undefined
  return {
    id: value.id,
    hash: value.hash,
    user: value.user,
    tenant: value.tenant ?? null,
    models: value.models ?? null,
    name: value.name ?? null,
    created: value.created,
    revoked: value.revoked ?? null,
  }
}
