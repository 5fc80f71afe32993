/**
 * Exact fixed-window counters shared by threads: each is one BigInt64 slot of a shared
 * buffer holding `window id << 32 | count`, changed only by compare-and-exchange, so
 * two threads can never both take the last unit of a window.
 */
const COUNT_BITS = 32n
const COUNT_MASK = (1n << COUNT_BITS) - 1n
const WINDOW_MASK = (1n << 31n) - 1n

/**
 * One window counter: a slot of a rule's shared counters and its window length. With
 * `carryAbove` (a token limit), a count past it (a call that settled more than the window
 * had left) is not forgiven at the window's edge: the next window starts with what is
 * over, less `carryAbove` for each window passed, so over time the limit holds.
 */
export interface WindowCounter {
  readonly slots: BigInt64Array
  readonly index: number
  readonly windowMs: number
  readonly carryAbove?: number
}

export interface WindowState {
  /** Units taken in the current window, with what an earlier window carried into it. */
  readonly used: number
  /** Milliseconds until the current window ends. */
  readonly resetMs: number
}

export type TakeResult = { readonly ok: true; readonly used: number; readonly resetMs: number } | { readonly ok: false; readonly used: number; readonly resetMs: number }

function windowIdOf(nowMs: number, windowMs: number): bigint {
  return BigInt(Math.floor(nowMs / windowMs)) & WINDOW_MASK
}

function resetMsOf(nowMs: number, windowMs: number): number {
  return windowMs - (nowMs % windowMs)
}

/** The count `packed` leaves for `window`: its own, or what an earlier window carries into it. */
function usedIn(packed: bigint, window: bigint, carryAbove: number | undefined): number {
  const held = packed >> COUNT_BITS
  const count = Number(packed & COUNT_MASK)
  if (held === window) return count
  const passed = Number(window - held)
  return carryAbove === undefined || passed <= 0 ? 0 : Math.max(0, count - carryAbove * passed)
}

function pack(window: bigint, count: number): bigint {
  return (window << COUNT_BITS) | BigInt(Math.max(0, Math.min(count, Number(COUNT_MASK))))
}

export function peekWindow(counter: WindowCounter, nowMs: number): WindowState {
  return { used: usedIn(Atomics.load(counter.slots, counter.index), windowIdOf(nowMs, counter.windowMs), counter.carryAbove), resetMs: resetMsOf(nowMs, counter.windowMs) }
}

/** Takes `amount` units if the window's count stays within `limit`. */
export function takeFromWindow(counter: WindowCounter, nowMs: number, take: { readonly amount: number; readonly limit: number }): TakeResult {
  const { slots, index } = counter
  const window = windowIdOf(nowMs, counter.windowMs)
  const resetMs = resetMsOf(nowMs, counter.windowMs)
  for (;;) {
    const packed = Atomics.load(slots, index)
    const used = usedIn(packed, window, counter.carryAbove)
    if (used + take.amount > take.limit) return { ok: false, used, resetMs }
    if (Atomics.compareExchange(slots, index, packed, pack(window, used + take.amount)) === packed) return { ok: true, used: used + take.amount, resetMs }
  }
}

/**
 * Adds `delta` (negative to give back) to the count of the window the units were taken
 * in (`takenAtMs`), clamped at 0; its count carries on from there (see WindowCounter). Once
 * the slot holds a later window, nothing is given back (the estimate left with its
 * window), and with `carryAbove` an excess goes into the window now current.
 */
export function adjustWindow(counter: WindowCounter, change: { readonly takenAtMs: number; readonly nowMs: number; readonly delta: number }): void {
  const { slots, index } = counter
  const taken = windowIdOf(change.takenAtMs, counter.windowMs)
  const current = windowIdOf(change.nowMs, counter.windowMs)
  if (change.delta === 0) return
  for (;;) {
    const packed = Atomics.load(slots, index)
    let next: bigint
    if (packed >> COUNT_BITS === taken) next = pack(taken, Number(packed & COUNT_MASK) + change.delta)
    else if (counter.carryAbove !== undefined && change.delta > 0) next = pack(current, usedIn(packed, current, counter.carryAbove) + change.delta)
    else return
    if (Atomics.compareExchange(slots, index, packed, next) === packed) return
  }
}

/** A plain shared gauge (concurrent calls): taken if it stays within `limit`. */
export function takeGauge(slots: BigInt64Array, index: number, limit: number): { readonly ok: boolean; readonly used: number } {
  for (;;) {
    const current = Atomics.load(slots, index)
    if (Number(current) + 1 > limit) return { ok: false, used: Number(current) }
    if (Atomics.compareExchange(slots, index, current, current + 1n) === current) return { ok: true, used: Number(current) + 1 }
  }
}

export function releaseGauge(slots: BigInt64Array, index: number): void {
  for (;;) {
    const current = Atomics.load(slots, index)
    if (current <= 0n) return
    if (Atomics.compareExchange(slots, index, current, current - 1n) === current) return
  }
}

/** Sets the count of the current window (the other nodes' published count): read back by peekWindow, 0 once the window has passed. */
export function setWindow(counter: WindowCounter, nowMs: number, count: number): void {
  Atomics.store(counter.slots, counter.index, pack(windowIdOf(nowMs, counter.windowMs), count))
}

/** When the window holding `nowMs` started (ms): what a node publishes beside its counts. */
export function windowStartOf(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs) * windowMs
}
