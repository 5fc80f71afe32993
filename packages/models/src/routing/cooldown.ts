export interface CooldownPolicy {
  readonly enabled: boolean
  /** Failures within `windowMs` of the window's first one that put a deployment in cooldown. */
  readonly failures: number
  readonly windowMs: number
  /** How long a deployment in cooldown is skipped before one probe call may try it. */
  readonly cooldownMs: number
}

export const DEFAULT_COOLDOWN: CooldownPolicy = { enabled: true, failures: 5, windowMs: 60_000, cooldownMs: 30_000 }

/**
 * Where a deployment's cooldown state lives: `COOLDOWN_SLOTS` int64 slots, read and
 * changed with Atomics. The plugin gives slots shared by every worker thread of the
 * process (one state per node); without them each pool keeps its own (per thread).
 */
export type CooldownSlots = (key: string) => BigInt64Array

export const COOLDOWN_SLOTS = 8
const OPEN_UNTIL = 0 // epoch ms; none: closed
const PROBE_AT = 1 // when the half-open probe started; none: no probe out
const WINDOW_START = 2 // the first counted failure of the window
const COUNT = 3
const FIRST_TENANT = 4 // hash of the window's first failing tenant; 0: none
const MIXED = 5 // 1 once the window holds failures from two callers (or one without a tenant)
const LAST_FAILED = 6 // the last failure, counted or not

/**
 * A circuit breaker for one deployment. Closed: every call may try it, and its failures
 * that say the deployment is unwell are counted. `failures` of them within `windowMs` of
 * the window's first open it, but only when they came from at least two tenants (or one
 * is charged to no tenant): one tenant whose bodies make the upstream fail cannot cool a
 * deployment for the others. Open: skipped for `cooldownMs`. Then half-open: one call (the
 * probe) may try it; its success closes the breaker, its failure opens it for another
 * cooldown. A probe still out after another `cooldownMs` (a long generation) no longer
 * holds the deployment. Times are the caller's clock (epoch ms), so nothing here reads one.
 * Threads sharing the slots may race on a count: a failure may be lost, never a state broken.
 */
export interface Cooldown {
  /** Whether a call may try the deployment now (false while cooling, or while the probe is out). */
  canTry(now: number): boolean
  /** A call starts on the deployment; true when it is the half-open probe. */
  begin(now: number): boolean
  succeeded(): void
  /**
   * A failure that says the deployment is unwell (retryable: 5xx, 429, connect), charged to
   * `tenant`, whose request may have caused it; null: anyone's (no request can cause it, or
   * the call had no tenant).
   */
  failed(now: number, probe: boolean, tenant: string | null): void
  /** The call ended without a verdict on the deployment (a 400, a cancelled call): a probe's slot is freed. */
  neutral(probe: boolean): void
  /** When the cooldown ends, if the deployment is cooling now. */
  coolingUntil(now: number): number | undefined
  /** When it last failed (-1: never): when every deployment is cooling, the least recently failed is tried. */
  lastFailedAt(): number
}

export function createCooldown(policy: CooldownPolicy, slots: BigInt64Array = new BigInt64Array(COOLDOWN_SLOTS)): Cooldown {
  const state = slots.length >= COOLDOWN_SLOTS ? slots : new BigInt64Array(COOLDOWN_SLOTS)
  // Times are kept as ms + 1, so that 0 (a new buffer's content) means "none" even at time 0.
  const timeAt = (slot: number): number | undefined => {
    const value = Atomics.load(state, slot)
    return value === 0n ? undefined : Number(value) - 1
  }
  const setTime = (slot: number, time: number | undefined) => void Atomics.store(state, slot, time === undefined ? 0n : BigInt(time) + 1n)
  const probeOut = (now: number) => {
    const at = timeAt(PROBE_AT)
    return at !== undefined && now - at < policy.cooldownMs
  }
  const clearWindow = () => {
    for (const slot of [WINDOW_START, COUNT, FIRST_TENANT, MIXED]) Atomics.store(state, slot, 0n)
  }
  const open = (now: number) => {
    setTime(OPEN_UNTIL, now + policy.cooldownMs)
    clearWindow()
  }
  return {
    canTry(now) {
      const until = timeAt(OPEN_UNTIL)
      if (!policy.enabled || until === undefined) return true
      return now >= until && !probeOut(now)
    },
    begin(now) {
      const until = timeAt(OPEN_UNTIL)
      if (!policy.enabled || until === undefined || now < until) return false
      const at = Atomics.load(state, PROBE_AT)
      if (at !== 0n && now - (Number(at) - 1) < policy.cooldownMs) return false
      // Another thread may take the probe first: then this call is an ordinary one.
      return Atomics.compareExchange(state, PROBE_AT, at, BigInt(now) + 1n) === at
    },
    succeeded() {
      setTime(OPEN_UNTIL, undefined)
      setTime(PROBE_AT, undefined)
      clearWindow()
    },
    failed(now, probe, tenant) {
      setTime(LAST_FAILED, now)
      if (!policy.enabled) return
      if (probe) {
        setTime(PROBE_AT, undefined)
        open(now)
        return
      }
      // A call that started before the breaker opened (or one let through while it is open) says nothing new.
      if (timeAt(OPEN_UNTIL) !== undefined) return
      const start = Atomics.load(state, WINDOW_START)
      const who = tenant === null ? 0n : tenantHash(tenant)
      if (start === 0n || now - (Number(start) - 1) >= policy.windowMs) {
        if (Atomics.compareExchange(state, WINDOW_START, start, BigInt(now) + 1n) === start) {
          Atomics.store(state, COUNT, 0n)
          Atomics.store(state, MIXED, 0n)
          Atomics.store(state, FIRST_TENANT, who)
        }
      }
      const count = Number(Atomics.add(state, COUNT, 1n)) + 1
      const first = Atomics.load(state, FIRST_TENANT)
      if (who === 0n || (first !== 0n && first !== who)) Atomics.store(state, MIXED, 1n)
      if (count >= policy.failures && Atomics.load(state, MIXED) === 1n) open(now)
    },
    neutral(probe) {
      if (probe) setTime(PROBE_AT, undefined)
    },
    coolingUntil(now) {
      const until = timeAt(OPEN_UNTIL)
      return policy.enabled && until !== undefined && now < until ? until : undefined
    },
    lastFailedAt: () => timeAt(LAST_FAILED) ?? -1,
  }
}

/** FNV-1a (32 bits), never 0: a tenant's mark in a slot. Two tenants that collide count as one (fewer cooldowns, never more). */
function tenantHash(tenant: string): bigint {
  let hash = 0x811c9dc5
  for (let i = 0; i < tenant.length; i++) {
    hash ^= tenant.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return BigInt(hash) + 1n
}
