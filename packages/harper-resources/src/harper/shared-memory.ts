import { SLOT_COUNT } from "../limits/limiter.ts"
import type { TableLike } from "../harper-tables.ts"

/** Slots by key, the same array for the same key in every worker thread of the process. */
export type SharedCounters = (key: string, length?: number) => BigInt64Array

/**
 * Counters shared by every worker thread of this Harper process: lmdb's user shared
 * buffers (one per key, per environment) of a table's primary store, read and changed
 * with Atomics; `length` slots (the limits' SLOT_COUNT unless asked; a key is always asked
 * with one length). Without them (not Harper's lmdb) each thread counts alone, and the
 * log says so.
 */
export function sharedCounters(table: TableLike, warn: (message: string) => void): SharedCounters {
  const store: unknown = Reflect.get(table, "primaryStore")
  const get: unknown = typeof store === "object" && store !== null ? Reflect.get(store, "getUserSharedBuffer") : undefined
  if (typeof get !== "function") warn("gateway: lmdb's shared buffers are missing: limits and cooldowns are counted per worker thread")
  const known = new Map<string, BigInt64Array>()
  return (key, length = SLOT_COUNT) => {
    let slots = known.get(key)
    if (slots === undefined) {
      const buffer: unknown = typeof get === "function" ? Reflect.apply(get, store, [key, new ArrayBuffer(length * 8)]) : new SharedArrayBuffer(length * 8)
      slots = buffer instanceof ArrayBuffer || buffer instanceof SharedArrayBuffer ? new BigInt64Array(buffer, 0, length) : new BigInt64Array(new SharedArrayBuffer(length * 8))
      known.set(key, slots)
    }
    return slots
  }
}
