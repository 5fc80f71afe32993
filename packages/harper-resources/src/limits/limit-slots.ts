/**
 * The layout of one rule's counters in shared memory (a BigInt64Array of SLOT_COUNT,
 * shared by every worker thread of a node), used by the limiter on the request path and
 * by the cluster sync in the background.
 */
import type { LimitRule } from "./limit-rule.ts"
import type { WindowCounter } from "./window-counter.ts"

/** This node's requests and tokens in the current window (packed `window id << 32 | count`). */
const REQUESTS = 0
const TOKENS = 1
/** This node's calls in flight (concurrency limits are per node). */
export const CONCURRENT = 2
/** Which budget period BASE_SPEND and OWN_SPEND hold: its start + 1 (0 = never loaded), or LOCKED. */
export const SPEND_PERIOD = 3
/** Nano-dollars: the period's spend at load (all nodes' rows) less the published spend counted separately. */
export const BASE_SPEND = 4
/** Nano-dollars this node spent in the period (kept across restarts through its published record). */
export const OWN_SPEND = 5
/** The other nodes' published requests and tokens in the current window (packed like REQUESTS). */
export const REMOTE_REQUESTS = 6
export const REMOTE_TOKENS = 7
/** Which budget period REMOTE_SPEND holds (start + 1), or LOCKED; and the other nodes' published spend in it. */
export const REMOTE_SPEND_PERIOD = 8
export const REMOTE_SPEND = 9
export const SLOT_COUNT = 12

export const LOCKED = -1n
const NANO = 1e9

export const toNano = (usd: number): bigint => BigInt(Math.round(usd * NANO))
export const fromNano = (nano: bigint): number => Number(nano) / NANO

/** A budget period's tag in SPEND_PERIOD / REMOTE_SPEND_PERIOD. */
export const periodTag = (periodStartMs: number): bigint => BigInt(periodStartMs + 1)

/** The value held under `tag` (0 when the slot holds another period), read consistently with its tag. */
export function readTagged(slots: BigInt64Array, tagIndex: number, valueIndex: number, tag: bigint): bigint {
  for (;;) {
    const before = Atomics.load(slots, tagIndex)
    if (before === LOCKED) continue // two stores away from done
    const value = Atomics.load(slots, valueIndex)
    if (Atomics.load(slots, tagIndex) === before) return before === tag ? value : 0n
  }
}

/**
 * Stores `value` under `tag`; with `keepLarger`, a value already held under the same tag
 * stays if it is larger (published spend only grows within a period, so a late writer
 * holding an older read cannot lower it).
 */
export function storeTagged(slots: BigInt64Array, tagIndex: number, valueIndex: number, tag: bigint, value: bigint, keepLarger: boolean): void {
  for (;;) {
    const held = Atomics.load(slots, tagIndex)
    if (held === LOCKED) continue
    if (Atomics.compareExchange(slots, tagIndex, held, LOCKED) !== held) continue
    const current = Atomics.load(slots, valueIndex)
    Atomics.store(slots, valueIndex, keepLarger && held === tag && current > value ? current : value)
    Atomics.store(slots, tagIndex, tag)
    return
  }
}

/** This node's requests in the rule's window. */
export function requestsWindow(rule: LimitRule, slots: BigInt64Array): WindowCounter {
  return { slots, index: REQUESTS, windowMs: rule.windowMs }
}

/** This node's tokens in the rule's window: a count settled past the limit carries into the next windows. */
export function tokensWindow(rule: LimitRule, slots: BigInt64Array): WindowCounter {
  return rule.tokens === null ? { slots, index: TOKENS, windowMs: rule.windowMs } : { slots, index: TOKENS, windowMs: rule.windowMs, carryAbove: rule.tokens }
}
