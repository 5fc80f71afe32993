/**
 * Exact fixed-window counters shared by threads: each is one BigInt64 slot of a shared
 * buffer holding `window id << 32 | count`, changed only by compare-and-exchange, so
 * two threads can never both take the last unit of a window.
 */
const COUNT_BITS = 32n
const COUNT_MASK = (1n << COUNT_BITS) - 1n
const WINDOW_MASK = (1n << 31n) - 1n

export interface WindowState {
  /** Units taken in the current window (0 when the slot holds an older window). */
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

function usedIn(packed: bigint, window: bigint): number {
  return packed >> COUNT_BITS === window ? Number(packed & COUNT_MASK) : 0
}

export function peekWindow(slots: BigInt64Array, index: number, nowMs: number, windowMs: number): WindowState {
  return { used: usedIn(Atomics.load(slots, index), windowIdOf(nowMs, windowMs)), resetMs: resetMsOf(nowMs, windowMs) }
}

/** Takes `amount` units if the window's count stays within `limit`. */
export function takeFromWindow(slots: BigInt64Array, index: number, nowMs: number, windowMs: number, amount: number, limit: number): TakeResult {
  const window = windowIdOf(nowMs, windowMs)
  const resetMs = resetMsOf(nowMs, windowMs)
  for (;;) {
    const packed = Atomics.load(slots, index)
    const used = usedIn(packed, window)
    if (used + amount > limit) return { ok: false, used, resetMs }
    const next = (window << COUNT_BITS) | BigInt(Math.min(used + amount, Number(COUNT_MASK)))
    if (Atomics.compareExchange(slots, index, packed, next) === packed) return { ok: true, used: used + amount, resetMs }
  }
}

/**
 * Adds `delta` (negative to give back) to the count of the window that started at
 * `takenAtMs`'s window, if that window is still the current one; clamped at 0.
 */
export function adjustWindow(slots: BigInt64Array, index: number, takenAtMs: number, nowMs: number, windowMs: number, delta: number): void {
  const window = windowIdOf(nowMs, windowMs)
  if (window !== windowIdOf(takenAtMs, windowMs) || delta === 0) return
  for (;;) {
    const packed = Atomics.load(slots, index)
    if (packed >> COUNT_BITS !== window) return
    const used = Number(packed & COUNT_MASK)
    const next = (window << COUNT_BITS) | BigInt(Math.max(0, Math.min(used + delta, Number(COUNT_MASK))))
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
export function setWindow(slots: BigInt64Array, index: number, nowMs: number, windowMs: number, count: number): void {
  Atomics.store(slots, index, (windowIdOf(nowMs, windowMs) << COUNT_BITS) | BigInt(Math.max(0, Math.min(count, Number(COUNT_MASK)))))
}

/** When the window holding `nowMs` started (ms): what a node publishes beside its counts. */
export function windowStartOf(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs) * windowMs
}
