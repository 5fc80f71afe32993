import { createHash } from "node:crypto"

/**
 * Bounds the usage aggregates running at once, per tenant and per node, with places
 * shared by every worker thread of the process (Atomics on lmdb's shared buffers). An
 * aggregate reads rows for seconds: without a bound one tenant could keep a node busy.
 * Each place is a lease: it holds when it was taken, and one older than `leaseMs` (longer
 * than any aggregate takes) is free again, so a thread that died mid-aggregate, never
 * releasing, does not hold its places until the process restarts.
 */
export interface AggregateGate {
  /** A release function when there is room (call it once the aggregate ends), else undefined. */
  enter(tenant: string): (() => void) | undefined
}

export interface AggregateGateOptions {
  /** The process-wide slots for a key (the same array on every thread; a key is always asked with one length). */
  readonly counters: (key: string, length: number) => BigInt64Array
  readonly perTenant: number
  readonly perNode: number
  /** After how long a place not released is taken back. */
  readonly leaseMs: number
  readonly now: () => number
}

/** A taken place: which slot, and the stamp it holds (so a late release frees only its own). */
interface Place {
  readonly slots: BigInt64Array
  readonly index: number
  readonly stamp: bigint
}

export function createAggregateGate(options: AggregateGateOptions): AggregateGate {
  // The bound is in the key: a buffer is made once per key with its length.
  const node = options.counters(`gateway-usage-aggregate-leases:${options.perNode}`, options.perNode)
  return {
    enter(tenant) {
      // Hashed: a tenant name (a user attribute) of any length makes a key of fixed size.
      const own = options.counters(`gateway-usage-aggregate-leases:${createHash("sha256").update(tenant).digest("hex")}:${options.perTenant}`, options.perTenant)
      const now = options.now()
      const nodePlace = take(node, now, options.leaseMs)
      if (nodePlace === undefined) return undefined
      const ownPlace = take(own, now, options.leaseMs)
      if (ownPlace === undefined) {
        free(nodePlace)
        return undefined
      }
      let released = false
      return () => {
        if (released) return
        released = true
        free(ownPlace)
        free(nodePlace)
      }
    },
  }
}

/** A free or expired slot, taken atomically (no two threads take the same one), or undefined when all are held. */
function take(slots: BigInt64Array, now: number, leaseMs: number): Place | undefined {
  // 0 marks a free slot: a stamp is never 0.
  const stamp = BigInt(Math.max(1, Math.floor(now)))
  for (let index = 0; index < slots.length; index++) {
    const held = Atomics.load(slots, index)
    const free = held === 0n || stamp - held > BigInt(leaseMs)
    if (free && Atomics.compareExchange(slots, index, held, stamp) === held) return { slots, index, stamp }
  }
  return undefined
}

/** Frees the place unless it expired and another took it meanwhile. */
function free(place: Place): void {
  Atomics.compareExchange(place.slots, place.index, place.stamp, 0n)
}
