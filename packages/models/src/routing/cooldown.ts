export interface CooldownPolicy {
  readonly enabled: boolean
  /** Failures within `windowMs` that put a deployment in cooldown. */
  readonly failures: number
  readonly windowMs: number
  /** How long a deployment in cooldown is skipped before one probe call may try it. */
  readonly cooldownMs: number
}

export const DEFAULT_COOLDOWN: CooldownPolicy = { enabled: true, failures: 5, windowMs: 60_000, cooldownMs: 30_000 }

/**
 * A circuit breaker for one deployment, per worker thread. Closed: every call may try it,
 * and its retryable failures are counted. `failures` of them within `windowMs` open it:
 * skipped for `cooldownMs`. Then half-open: exactly one call (the probe) may try it; its
 * success closes the breaker, its failure opens it for another cooldown. A probe still out
 * after another `cooldownMs` (a long generation) no longer holds the deployment: the next
 * call is a probe too. Times are the caller's clock (epoch ms), so nothing here reads one.
 */
export interface Cooldown {
  /** Whether a call may try the deployment now (false while cooling, or while the probe is out). */
  canTry(now: number): boolean
  /** A call starts on the deployment; true when it is the half-open probe. */
  begin(now: number): boolean
  succeeded(): void
  /** A failure that says the deployment is unwell (retryable: 5xx, 429, connect). */
  failed(now: number, probe: boolean): void
  /** The call ended without a verdict on the deployment (a 400, a cancelled call): a probe's slot is freed. */
  neutral(probe: boolean): void
  /** When the cooldown ends, if the deployment is cooling now. */
  coolingUntil(now: number): number | undefined
}

export function createCooldown(policy: CooldownPolicy): Cooldown {
  // Only the last `failures` times matter; the array never grows past that.
  let recent: number[] = []
  let openUntil: number | undefined
  let probing = false
  let probeStartedAt = 0
  const probeOut = (now: number) => probing && now - probeStartedAt < policy.cooldownMs
  return {
    canTry(now) {
      if (!policy.enabled || openUntil === undefined) return true
      return now >= openUntil && !probeOut(now)
    },
    begin(now) {
      if (!policy.enabled || openUntil === undefined || now < openUntil || probeOut(now)) return false
      probing = true
      probeStartedAt = now
      return true
    },
    succeeded() {
      recent = []
      openUntil = undefined
      probing = false
    },
    failed(now, probe) {
      if (!policy.enabled) return
      if (probe) {
        probing = false
        openUntil = now + policy.cooldownMs
        return
      }
      // A call that started before the breaker opened says nothing new.
      if (openUntil !== undefined) return
      recent = [...recent.filter((time) => now - time < policy.windowMs), now].slice(-policy.failures)
      if (recent.length >= policy.failures) {
        openUntil = now + policy.cooldownMs
        recent = []
      }
    },
    neutral(probe) {
      if (probe) probing = false
    },
    coolingUntil(now) {
      return policy.enabled && openUntil !== undefined && now < openUntil ? openUntil : undefined
    },
  }
}
