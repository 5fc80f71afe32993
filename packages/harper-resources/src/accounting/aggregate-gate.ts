import { createHash } from "node:crypto"

/**
 * Bounds the usage aggregates running at once, per tenant and per node, with counters
 * shared by every worker thread of the process (Atomics on lmdb's shared buffers). An
 * aggregate reads rows for seconds: without a bound one tenant could keep a node busy.
 */
export interface AggregateGate {
  /** A release function when there is room (call it once the aggregate ends), else undefined. */
  enter(tenant: string): (() => void) | undefined
}

export interface AggregateGateOptions {
  /** The process-wide counter for a key (the same array on every thread). */
  readonly counters: (key: string) => BigInt64Array
  readonly perTenant: number
  readonly perNode: number
}

export function createAggregateGate(options: AggregateGateOptions): AggregateGate {
  const node = options.counters("gateway-usage-aggregates")
  return {
    enter(tenant) {
      // Hashed: a tenant name (a user attribute) of any length makes a counter key of fixed size.
      const own = options.counters(`gateway-usage-aggregates:${createHash("sha256").update(tenant).digest("hex")}`)
      if (!take(node, options.perNode)) return undefined
      if (!take(own, options.perTenant)) {
        Atomics.sub(node, 0, 1n)
        return undefined
      }
      let released = false
      return () => {
        if (released) return
        released = true
        Atomics.sub(own, 0, 1n)
        Atomics.sub(node, 0, 1n)
      }
    },
  }
}

/** One place in a counter if it stays within the bound (atomic: no two threads take the last one). */
function take(counter: BigInt64Array, bound: number): boolean {
  if (Atomics.add(counter, 0, 1n) < BigInt(bound)) return true
  Atomics.sub(counter, 0, 1n)
  return false
}
