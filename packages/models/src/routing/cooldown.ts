export interface CooldownPolicy {
  readonly enabled: boolean
  /** Failures within `windowMs` of the window's first one that put a deployment in cooldown. */
  readonly failures: number
  readonly windowMs: number
  /** How long a deployment in cooldown is skipped before one probe call may try it. */
  readonly cooldownMs: number
  /** How many tenants' own cooldowns a deployment keeps at once (memory stays bounded whatever the tenants). */
  readonly tenantSlots: number
}

export const DEFAULT_COOLDOWN: CooldownPolicy = { enabled: true, failures: 5, windowMs: 60_000, cooldownMs: 30_000, tenantSlots: 64 }

/**
 * Where a deployment's cooldown state lives: `length` int64 slots, read and changed with
 * Atomics. The plugin gives slots shared by every worker thread of the process (one state
 * per node); without them each pool keeps its own (per thread).
 */
export type CooldownSlots = (key: string, length: number) => BigInt64Array

// The deployment's own state, for everyone.
const OPEN_UNTIL = 0 // epoch ms; none: closed
const PROBE_AT = 1 // when the half-open probe started; none: no probe out
const WINDOW_START = 2 // the first counted failure of the window
const COUNT = 3
const FIRST_TENANT = 4 // the mark of the window's first failing tenant; 0: none
const MIXED = 5 // 1 once the window holds failures of two tenants (or one charged to no tenant)
const LAST_FAILED = 6 // the last failure, counted or not
const SHARED_SLOTS = 8
// Then one entry per tenant slot: whose it is, and that tenant's own window and cooldown.
const ENTRY_TENANT = 0
const ENTRY_WINDOW_START = 1
const ENTRY_COUNT = 2
const ENTRY_OPEN_UNTIL = 3
const ENTRY_SLOTS = 4

/** The slots a deployment's cooldown needs under `policy`. */
export function cooldownSlotCount(policy: CooldownPolicy): number {
  return SHARED_SLOTS + ENTRY_SLOTS * policy.tenantSlots
}

/**
 * A circuit breaker for one deployment. Its failures that say the deployment is unwell are
 * counted, each charged to the tenant whose request may have caused it, or to no one.
 * - For everyone: `failures` of them within `windowMs` of the window's first open it, but
 *   only when they came from at least two tenants (or one was charged to no one): one
 *   tenant whose requests make the upstream fail cannot cool a deployment for the others.
 *   Open: skipped for `cooldownMs`. Then half-open: one call (the probe) may try it; its
 *   success closes the breaker, its failure opens it for another cooldown. A probe still
 *   out after another `cooldownMs` (a long generation) no longer holds the deployment.
 * - For one tenant: `failures` of its own within the window cool the deployment for that
 *   tenant alone, for `cooldownMs`; after it, its next failure cools it again at once and
 *   a success of its own ends it. At most `tenantSlots` tenants are kept, each in the slot
 *   its name hashes to: a tenant whose slot another tenant holds has no cooldown of its
 *   own (fewer cooldowns, never more).
 * Any success closes the deployment's breaker for everyone. Times are the caller's clock
 * (epoch ms), so nothing here reads one. Threads sharing the slots may race on a count: a
 * failure may be lost, never a state broken.
 */
export interface Cooldown {
  /** Whether a call of `tenant` may try the deployment now (false while it cools for everyone or for that tenant, or while the probe is out). */
  canTry(now: number, tenant: string | null): boolean
  /** A call starts on the deployment; true when it is the half-open probe. */
  begin(now: number): boolean
  /** A call of `tenant` was answered. */
  succeeded(tenant: string | null): void
  /**
   * A failure that says the deployment is unwell (retryable: 5xx, 429, connect), charged to
   * `tenant`, whose request may have caused it; null: no one's (no request can cause it, or
   * the call had no tenant).
   */
  failed(now: number, probe: boolean, tenant: string | null): void
  /** The call ended without a verdict on the deployment (a 400, a cancelled call): a probe's slot is freed. */
  neutral(probe: boolean): void
  /** When it last failed (-1: never): when every deployment is cooling, the least recently failed is tried. */
  lastFailedAt(): number
}

export function createCooldown(policy: CooldownPolicy, slots?: BigInt64Array): Cooldown {
  const needed = cooldownSlotCount(policy)
  const state = slots !== undefined && slots.length >= needed ? slots : new BigInt64Array(needed)
  // Times are kept as ms + 1, so that 0 (a new buffer's content) means "none" even at time 0.
  const timeAt = (slot: number): number | undefined => {
    const value = Atomics.load(state, slot)
    return value === 0n ? undefined : Number(value) - 1
  }
  const encoded = (time: number) => BigInt(time) + 1n
  const setTime = (slot: number, time: number | undefined) => void Atomics.store(state, slot, time === undefined ? 0n : encoded(time))
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
  /**
   * Counts a failure in the window that starts at `startSlot` (its count in the next slot):
   * a window older than `windowMs` starts again with this failure. Returns the window's
   * count, and whether this failure started it.
   */
  const countIn = (startSlot: number, now: number): { readonly count: number; readonly started: boolean } => {
    const start = Atomics.load(state, startSlot)
    let started = false
    if ((start === 0n || now - (Number(start) - 1) >= policy.windowMs) && Atomics.compareExchange(state, startSlot, start, encoded(now)) === start) {
      Atomics.store(state, startSlot + 1, 0n)
      started = true
    }
    return { count: Number(Atomics.add(state, startSlot + 1, 1n)) + 1, started }
  }

  /** The tenant's entry: its first slot, when the tenant holds it (or `claim` takes a free one). */
  const entryOf = (tenant: string, now: number, claim: boolean): number | undefined => {
    if (policy.tenantSlots === 0) return undefined
    const mark = tenantMark(tenant)
    const base = SHARED_SLOTS + ENTRY_SLOTS * Number(mark % BigInt(policy.tenantSlots))
    const holder = Atomics.load(state, base + ENTRY_TENANT)
    if (holder === mark) return base
    if (!claim) return undefined
    // Another tenant's entry is taken over only once it says nothing any more: not cooling, its window over.
    const until = timeAt(base + ENTRY_OPEN_UNTIL)
    const windowStart = timeAt(base + ENTRY_WINDOW_START)
    const live = (until !== undefined && now - until < policy.cooldownMs) || (windowStart !== undefined && now - windowStart < policy.windowMs)
    if (holder !== 0n && live) return undefined
    if (Atomics.compareExchange(state, base + ENTRY_TENANT, holder, mark) !== holder) return undefined
    for (const slot of [ENTRY_WINDOW_START, ENTRY_COUNT, ENTRY_OPEN_UNTIL]) Atomics.store(state, base + slot, 0n)
    return base
  }
  const tenantFailed = (tenant: string, now: number) => {
    const entry = entryOf(tenant, now, true)
    if (entry === undefined) return
    const until = timeAt(entry + ENTRY_OPEN_UNTIL)
    if (until !== undefined && now < until) return
    // Within a cooldown after its own, the tenant's next failure cools the deployment for it again at once.
    const again = until !== undefined && now - until < policy.cooldownMs
    if (until !== undefined && !again) setTime(entry + ENTRY_OPEN_UNTIL, undefined)
    if (again || countIn(entry + ENTRY_WINDOW_START, now).count >= policy.failures) {
      setTime(entry + ENTRY_OPEN_UNTIL, now + policy.cooldownMs)
      setTime(entry + ENTRY_WINDOW_START, undefined)
    }
  }

  return {
    canTry(now, tenant) {
      if (!policy.enabled) return true
      const until = timeAt(OPEN_UNTIL)
      if (until !== undefined && (now < until || probeOut(now))) return false
      const entry = tenant === null ? undefined : entryOf(tenant, now, false)
      const own = entry === undefined ? undefined : timeAt(entry + ENTRY_OPEN_UNTIL)
      return own === undefined || now >= own
    },
    begin(now) {
      const until = timeAt(OPEN_UNTIL)
      if (!policy.enabled || until === undefined || now < until) return false
      const at = Atomics.load(state, PROBE_AT)
      if (at !== 0n && now - (Number(at) - 1) < policy.cooldownMs) return false
      // Another thread may take the probe first: then this call is an ordinary one.
      return Atomics.compareExchange(state, PROBE_AT, at, encoded(now)) === at
    },
    succeeded(tenant) {
      setTime(OPEN_UNTIL, undefined)
      setTime(PROBE_AT, undefined)
      clearWindow()
      const entry = tenant === null ? undefined : entryOf(tenant, 0, false)
      if (entry !== undefined) for (const slot of [ENTRY_WINDOW_START, ENTRY_COUNT, ENTRY_OPEN_UNTIL]) Atomics.store(state, entry + slot, 0n)
    },
    failed(now, probe, tenant) {
      setTime(LAST_FAILED, now)
      if (!policy.enabled) return
      if (tenant !== null) tenantFailed(tenant, now)
      if (probe) {
        setTime(PROBE_AT, undefined)
        open(now)
        return
      }
      // A call that started before the breaker opened (or one let through while it is open) says nothing new.
      if (timeAt(OPEN_UNTIL) !== undefined) return
      const who = tenant === null ? 0n : tenantMark(tenant)
      const { count, started } = countIn(WINDOW_START, now)
      if (started) {
        Atomics.store(state, MIXED, 0n)
        Atomics.store(state, FIRST_TENANT, who)
      }
      const first = Atomics.load(state, FIRST_TENANT)
      if (who === 0n || (first !== 0n && first !== who)) Atomics.store(state, MIXED, 1n)
      if (count >= policy.failures && Atomics.load(state, MIXED) === 1n) open(now)
    },
    neutral(probe) {
      if (probe) setTime(PROBE_AT, undefined)
    },
    lastFailedAt: () => timeAt(LAST_FAILED) ?? -1,
  }
}

/** FNV-1a (32 bits), never 0: a tenant's mark in a slot. Two tenants with the same mark (one chance in 2^32) count as one. */
function tenantMark(tenant: string): bigint {
  let hash = 0x811c9dc5
  for (let i = 0; i < tenant.length; i++) {
    hash ^= tenant.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return BigInt(hash) + 1n
}
