import { LRUCache } from "lru-cache"
import type { GatewayKeyRecord } from "./gateway-keys.ts"

export interface KeyCacheOptions {
  /** Keys that exist, kept so a hit costs no table read. */
  readonly maxKeys: number
  /** Ids that do not exist, kept briefly so a client repeating one bad key costs one read, not one per request. */
  readonly maxMisses: number
  /** How long an entry is trusted at most: the backstop should a table change notice be missed. */
  readonly ttlMs: number
}

const DEFAULT_KEY_CACHE: KeyCacheOptions = { maxKeys: 10_000, maxMisses: 1_000, ttlMs: 5_000 }

export interface KeyCache {
  find(id: string): Promise<GatewayKeyRecord | undefined>
  /** Drops what is known of the id (its row changed), including any read in flight that may predate the change. */
  forget(id: string): void
  /** The key was revoked on this thread: answer it revoked from now on, before the table shows it. */
  revoked(record: GatewayKeyRecord): void
  size(): { readonly keys: number; readonly misses: number; readonly loading: number }
}

/**
 * Key lookups by id in front of the key table. Both sides are bounded LRUs, so a flood
 * of random well-formed keys (no credentials needed to send them) evicts old misses
 * instead of growing the heap; concurrent lookups of one id share one table read.
 */
export function createKeyCache(load: (id: string) => Promise<GatewayKeyRecord | undefined>, options: KeyCacheOptions = DEFAULT_KEY_CACHE): KeyCache {
  const keys = new LRUCache<string, GatewayKeyRecord>({ max: options.maxKeys, ttl: options.ttlMs })
  const misses = new LRUCache<string, true>({ max: options.maxMisses, ttl: options.ttlMs })
  // One entry per id being read right now: bounded by the requests in flight.
  const loading = new Map<string, Promise<GatewayKeyRecord | undefined>>()
  return {
    async find(id) {
      const hit = keys.get(id)
      if (hit !== undefined) return hit
      if (misses.has(id)) return undefined
      const pending = loading.get(id)
      if (pending !== undefined) return pending
      const read: Promise<GatewayKeyRecord | undefined> = load(id)
        .then((record) => {
          // Forgotten while in flight: this answer may predate the change, so it is not kept.
          if (loading.get(id) !== read) return record
          if (record === undefined) misses.set(id, true)
          else keys.set(id, record)
          return record
        })
        .finally(() => {
          if (loading.get(id) === read) loading.delete(id)
        })
      loading.set(id, read)
      return read
    },
    forget(id) {
      // A revocation never comes undone: a change notice (even one older than it) keeps it.
      if ((keys.peek(id)?.revoked ?? null) === null) keys.delete(id)
      misses.delete(id)
      loading.delete(id)
    },
    revoked(record) {
      loading.delete(record.id)
      misses.delete(record.id)
      keys.set(record.id, record)
    },
    size: () => ({ keys: keys.size, misses: misses.size, loading: loading.size }),
  }
}
