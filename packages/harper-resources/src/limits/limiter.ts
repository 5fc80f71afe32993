import { NO_ADMISSION, type Limiter } from "@harper-gateway/models"
import { GatewayFailure, type GatewayError } from "@harper-gateway/translate"
import { currentPeriod } from "./budget-period.ts"
import { ruleApplies, type LimitRule } from "./limit-rule.ts"
import { formatResetDuration } from "./reset-duration.ts"
import {
  BASE_SPEND,
  CONCURRENT,
  fromNano,
  LOCKED,
  OWN_SPEND,
  periodTag,
  readTagged,
  REMOTE_REQUESTS,
  REMOTE_SPEND,
  REMOTE_SPEND_PERIOD,
  REMOTE_TOKENS,
  requestsWindow,
  SPEND_PERIOD,
  storeTagged,
  toNano,
  tokensWindow,
} from "./limit-slots.ts"
import { othersUse, type PeerUsage } from "./peer-usage.ts"
import { adjustWindow, peekWindow, releaseGauge, takeFromWindow, takeGauge } from "./window-counter.ts"

export { SLOT_COUNT } from "./limit-slots.ts"

export interface LimiterDeps {
  /** Every limit rule (a per-thread cache of gateway_limits). */
  readonly rules: () => Promise<readonly LimitRule[]>
  /**
   * The rule's counters, shared by every thread of the process; the other nodes' published
   * counts and spend are kept in them by the cluster sync (cluster-sync.ts), in the background.
   */
  readonly counters: (ruleId: string) => BigInt64Array
  /** USD already recorded for the rule's owner (and model) since `sinceMs`: the accounting table, every node's rows. */
  readonly spentSince: (rule: LimitRule, sinceMs: number) => Promise<number>
  /** This node's name in gateway_limit_usage. */
  readonly node: string
  /** Every node's published use of the rule (gateway_limit_usage), read with the spend once per budget period. */
  readonly published: (ruleId: string) => Promise<readonly PeerUsage[]>
  readonly now: () => number
}

export function createLimiter(deps: LimiterDeps): Limiter {
  const periodStartOf = (rule: LimitRule, now: number): number => currentPeriod(rule.budgetPeriod, now, rule.budgetResetAt).startMs

  /**
   * Loads the period's spend once per process and period. The accounting table holds every
   * node's rows (it replicates); the nodes' published spend is counted separately (this
   * node's in OWN_SPEND, restored from its record after a restart; the others' in
   * REMOTE_SPEND, which the sync raises as they publish), so the base is the table's sum
   * less what was published when it was read: at load the three add up to the table's sum.
   */
  const ensureSpend = async (rule: LimitRule, slots: BigInt64Array, now: number): Promise<void> => {
    const start = periodStartOf(rule, now)
    const tag = periodTag(start)
    if (Atomics.load(slots, SPEND_PERIOD) === tag) return
    const [spent, records] = await Promise.all([deps.spentSince(rule, start), deps.published(rule.id)])
    const others = othersUse(records, deps.node, rule.id, null, start).spendUsd
    const own = records.find((record) => record.node === deps.node && record.ruleId === rule.id && record.periodStart === start)?.spendUsd ?? 0
    for (;;) {
      const held = Atomics.load(slots, SPEND_PERIOD)
      if (held === tag) return // another thread loaded it first, and may have added to it since
      if (held === LOCKED) continue // two stores away from done
      if (Atomics.compareExchange(slots, SPEND_PERIOD, held, LOCKED) === held) {
        storeTagged(slots, REMOTE_SPEND_PERIOD, REMOTE_SPEND, tag, toNano(others), true)
        Atomics.store(slots, BASE_SPEND, toNano(spent - others - own))
        Atomics.store(slots, OWN_SPEND, toNano(own))
        Atomics.store(slots, SPEND_PERIOD, tag)
        return
      }
    }
  }

  /** The cluster's spend in the rule's period as this node knows it. */
  const spendOf = (rule: LimitRule, slots: BigInt64Array, now: number): number => {
    const tag = periodTag(periodStartOf(rule, now))
    return fromNano(readTagged(slots, SPEND_PERIOD, BASE_SPEND, tag) + readTagged(slots, SPEND_PERIOD, OWN_SPEND, tag) + readTagged(slots, REMOTE_SPEND_PERIOD, REMOTE_SPEND, tag))
  }

  /** Requests or tokens used in the current window: this node's (exact, with what it carried) and the other nodes' last published. */
  const usedOf = (rule: LimitRule, slots: BigInt64Array, kind: "requests" | "tokens", now: number) => ({
    local: peekWindow(kind === "requests" ? requestsWindow(rule, slots) : tokensWindow(rule, slots), now).used,
    remote: peekWindow({ slots, index: kind === "requests" ? REMOTE_REQUESTS : REMOTE_TOKENS, windowMs: rule.windowMs }, now).used,
  })

  const headersOf = (entries: readonly { rule: LimitRule; slots: BigInt64Array }[], now: number, taken: ReadonlyMap<string, { requests?: number; tokens?: number }>) => {
    const headers: Record<string, string> = {}
    for (const kind of ["requests", "tokens"] as const) {
      let tightest: { limit: number; remaining: number; resetMs: number } | undefined
      for (const { rule, slots } of entries) {
        const limit = rule[kind]
        if (limit === null) continue
        const peeked = usedOf(rule, slots, kind, now)
        const used = taken.get(rule.id)?.[kind] ?? peeked.local + peeked.remote
        const remaining = Math.max(0, limit - used)
        const resetMs = peekWindow(requestsWindow(rule, slots), now).resetMs
        if (tightest === undefined || remaining < tightest.remaining) tightest = { limit, remaining, resetMs }
      }
      if (tightest === undefined) continue
      headers[`x-ratelimit-limit-${kind}`] = String(tightest.limit)
      headers[`x-ratelimit-remaining-${kind}`] = String(tightest.remaining)
      headers[`x-ratelimit-reset-${kind}`] = formatResetDuration(tightest.resetMs)
    }
    return headers
  }

  return {
    async admit(caller, model, estimateTokens, modelRulesOnly = false) {
      let estimate: number | undefined
      const estimatedTokens = (): number => (estimate ??= estimateTokens())
      const entries = (await deps.rules()).filter((rule) => ruleApplies(rule, caller, model) && (!modelRulesOnly || rule.model === model)).map((rule) => ({ rule, slots: deps.counters(rule.id) }))
      if (entries.length === 0) return NO_ADMISSION
      await Promise.all(entries.filter(({ rule }) => rule.budgetUsd !== null).map(({ rule, slots }) => ensureSpend(rule, slots, deps.now())))
      // From here on synchronous: nothing else runs on this thread between the checks and the takes.
      const now = deps.now()
      for (const { rule, slots } of entries) {
        if (rule.budgetUsd === null) continue
        if (spendOf(rule, slots, now) >= rule.budgetUsd) throw new GatewayFailure(budgetSpent(rule, model, now))
      }
      const undo: (() => void)[] = []
      const taken = new Map<string, { requests?: number; tokens?: number }>()
      const refuse = (error: GatewayError): never => {
        for (const step of undo.reverse()) step()
        throw new GatewayFailure(error)
      }
      for (const { rule, slots } of entries) {
        const counts: { requests?: number; tokens?: number } = {}
        if (rule.concurrent !== null) {
          if (!takeGauge(slots, CONCURRENT, rule.concurrent).ok) {
            refuse({ _tag: "RateLimited", retryAfterMs: 1_000, message: `Rate limit reached for ${model} in ${ownerOf(rule)} on concurrent requests: Limit ${rule.concurrent}. Please try again when a request has finished.` })
          }
          undo.push(() => releaseGauge(slots, CONCURRENT))
        }
        if (rule.requests !== null) {
          const remote = usedOf(rule, slots, "requests", now).remote
          const take = takeFromWindow(requestsWindow(rule, slots), now, { amount: 1, limit: Math.max(0, rule.requests - remote) })
          if (!take.ok) refuse(overLimit(rule, model, "requests", rule.requests, take.used + remote, 1, take.resetMs))
          undo.push(() => adjustWindow(requestsWindow(rule, slots), { takenAtMs: now, nowMs: deps.now(), delta: -1 }))
          counts.requests = take.used + remote
        }
        if (rule.tokens !== null) {
          if (estimatedTokens() > rule.tokens) {
            refuse({
              _tag: "RateLimited",
              shouldRetry: false,
              message: `Request too large for ${model} in ${ownerOf(rule)} on ${perWindow("tokens", rule.windowMs)}: Limit ${rule.tokens}, Requested ${estimatedTokens()}. Send fewer tokens, or ask for a smaller max_tokens or fewer choices (n): each of the n may use max_tokens.`,
            })
          }
          const remote = usedOf(rule, slots, "tokens", now).remote
          const take = takeFromWindow(tokensWindow(rule, slots), now, { amount: estimatedTokens(), limit: Math.max(0, rule.tokens - remote) })
          if (!take.ok) refuse(overLimit(rule, model, "tokens", rule.tokens, take.used + remote, estimatedTokens(), take.resetMs))
          undo.push(() => adjustWindow(tokensWindow(rule, slots), { takenAtMs: now, nowMs: deps.now(), delta: -estimatedTokens() }))
          counts.tokens = take.used + remote
        }
        taken.set(rule.id, counts)
      }
      const headers = headersOf(entries, now, taken)
      let settled = false
      return {
        headers,
        settle(allTokens, allCost, onModel) {
          if (settled) return
          settled = true
          const end = deps.now()
          for (const { rule, slots } of entries) {
            // A rule written for the admitted model counts only what the call spent on it (not on its fallbacks).
            const tokens = onModel !== undefined && rule.model !== null ? onModel.tokens : allTokens
            const costUsd = onModel !== undefined && rule.model !== null ? onModel.costUsd : allCost
            if (rule.concurrent !== null) releaseGauge(slots, CONCURRENT)
            // More than the estimate is carried past the window's edge (tokensWindow), not forgiven.
            if (rule.tokens !== null && tokens !== undefined) adjustWindow(tokensWindow(rule, slots), { takenAtMs: now, nowMs: end, delta: tokens - estimatedTokens() })
            // Added to the period it was admitted in only: after a reset or a new period the call's row is before the start.
            if (rule.budgetUsd !== null && costUsd !== null && costUsd > 0 && Atomics.load(slots, SPEND_PERIOD) === periodTag(periodStartOf(rule, now))) {
              Atomics.add(slots, OWN_SPEND, toNano(costUsd))
            }
          }
        },
      }
    },

    async peekHeaders(caller, model) {
      const entries = (await deps.rules()).filter((rule) => ruleApplies(rule, caller, model)).map((rule) => ({ rule, slots: deps.counters(rule.id) }))
      return entries.length === 0 ? {} : headersOf(entries, deps.now(), new Map())
    },
  }
}

function ownerOf(rule: LimitRule): string {
  return rule.keyId !== null ? "this API key" : `tenant ${rule.tenant ?? ""}`
}

function perWindow(kind: "requests" | "tokens", windowMs: number): string {
  if (windowMs === 60_000) return kind === "requests" ? "requests per min (RPM)" : "tokens per min (TPM)"
  return `${kind} per ${formatResetDuration(windowMs)}`
}

/** OpenAI's wording: "Rate limit reached for gpt-4o in organization … on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s." */
function overLimit(rule: LimitRule, model: string, kind: "requests" | "tokens", limit: number, used: number, requested: number, resetMs: number): GatewayError {
  return {
    _tag: "RateLimited",
    retryAfterMs: Math.max(1, Math.ceil(resetMs)),
    message: `Rate limit reached for ${model} in ${ownerOf(rule)} on ${perWindow(kind, rule.windowMs)}: Limit ${limit}, Used ${used}, Requested ${requested}. Please try again in ${formatResetDuration(resetMs)}.`,
  }
}

const PERIOD_WORD = { day: "daily ", week: "weekly ", month: "monthly ", total: "" } as const

function budgetSpent(rule: LimitRule, model: string, now: number): GatewayError {
  const { endMs } = currentPeriod(rule.budgetPeriod, now, rule.budgetResetAt)
  const scope = rule.model === null ? ownerOf(rule) : `${ownerOf(rule)} for ${model}`
  const resets = endMs === null ? "It does not reset by itself; ask your administrator." : `It resets at ${new Date(endMs).toISOString()}.`
  return { _tag: "QuotaExhausted", message: `You exceeded your current quota: the ${PERIOD_WORD[rule.budgetPeriod]}budget of $${rule.budgetUsd ?? 0} for ${scope} is spent. ${resets}` }
}
