import { LRUCache } from "lru-cache"

export interface BoundedStoreOptions<V> {
  /** Entries held at most, least recently used out first; 0 keeps nothing. */
  readonly maxEntries: number
  /** Total size held at most, all entries together; an entry larger than this alone is not kept. */
  readonly maxSize: number
  /** An entry's size, in the unit of `maxSize` (characters, say); counted as at least 1. */
  readonly sizeOf: (value: V) => number
  /** How long an entry is kept: after it was kept, or after its last recall with `renewOnRecall`. */
  readonly ttlMs: number
  readonly renewOnRecall: boolean
  /** The clock (milliseconds); default lru-cache's own (performance.now). Injected by tests. */
  readonly now?: (() => number) | undefined
}

/**
 * A per-process, in-memory store bounded by entries, total size and TTL (lru-cache does
 * the bookkeeping). What a recall must match is the caller's rule: only a recall that
 * matches counts as use (recency, and renewal).
 */
export interface BoundedStore<V> {
  /** Keeps `value` under `key`, in place of what was there (which goes even when `value` is too large to keep). */
  keep(key: string, value: V): void
  /** The value under `key` when `matches` accepts it. */
  recall(key: string, matches: (value: V) => boolean): V | undefined
  /** Entries held now, expired ones not counted (for tests and diagnostics). */
  size(): number
  /** Total size held now (for the bound's tests). */
  heldSize(): number
}

export function createBoundedStore<V extends object>(options: BoundedStoreOptions<V>): BoundedStore<V> {
  // lru-cache reads max 0 as "no entry bound"; here it means the store is off.
  if (options.maxEntries === 0) return { keep: () => undefined, recall: () => undefined, size: () => 0, heldSize: () => 0 }
  const { now } = options
  const cache = new LRUCache<string, V>({
    max: options.maxEntries,
    maxSize: options.maxSize,
    sizeCalculation: (value) => Math.max(1, options.sizeOf(value)),
    ttl: options.ttlMs,
    updateAgeOnGet: options.renewOnRecall,
    // Read the clock on every check: the default caches it for a tick, which an injected clock would not see move.
    ttlResolution: 0,
    ...(now === undefined ? {} : { perf: { now } }),
  })
  return {
    keep(key, value) {
      cache.set(key, value)
    },
    recall(key, matches) {
      // peek: a lookup that does not match must not count as use. An entry is gone once its age
      // reaches the TTL (lru-cache would keep it for that last millisecond).
      const value = cache.peek(key)
      if (value === undefined || cache.getRemainingTTL(key) <= 0) {
        cache.delete(key)
        return undefined
      }
      if (!matches(value)) return undefined
      cache.get(key)
      return value
    },
    size() {
      cache.purgeStale()
      return cache.size
    },
    heldSize: () => cache.calculatedSize,
  }
}
