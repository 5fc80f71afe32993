import { NO_ADMISSION, type Admission, type Caller, type Limiter } from "@harper-gateway/models"
import { GatewayFailure, type GatewayError } from "@harper-gateway/translate"
import { currentPeriod } from "./budget-period.ts"
import { ruleApplies, type LimitRule } from "./limit-rule.ts"
import { formatResetDuration } from "./reset-duration.ts"
import { adjustWindow, peekWindow, releaseGauge, takeFromWindow, takeGauge } from "./window-counter.ts"

/** Slots of one rule's shared counters (a BigInt64Array of at least SLOT_COUNT). */
const REQUESTS = 0
const TOKENS = 1
const CONCURRENT = 2
/** Which budget period the spend slot holds: its start + 1 (0 = never loaded), or LOADING. */
const SPEND_PERIOD = 3
/** USD spent in that period, in nano-dollars. */
const SPEND = 4
export const SLOT_COUNT = 8
const LOADING = -1n
const NANO = 1e9

export interface LimiterDeps {
  /** Every limit rule (a per-thread cache of gateway_limits). */
  readonly rules: () => Promise<readonly LimitRule[]>
  /** The rule's counters, shared by every thread of the process. */
  readonly counters: (ruleId: string) => BigInt64Array
  /** USD already recorded for the rule's owner (and model) since `sinceMs`: the accounting table. */
  readonly spentSince: (rule: LimitRule, sinceMs: number) => Promise<number>
  readonly now: () => number
}

export function createLimiter(deps: LimiterDeps): Limiter {
  const spendMarker = (rule: LimitRule, now: number): bigint => BigInt(currentPeriod(rule.budgetPeriod, now, rule.budgetResetAt).startMs + 1)

  /** Loads the period's spend from the table into the shared slot once per process and period. */
  const ensureSpend = async (rule: LimitRule, slots: BigInt64Array, now: number): Promise<void> => {
    const marker = spendMarker(rule, now)
    if (Atomics.load(slots, SPEND_PERIOD) === marker) return
    const spent = await deps.spentSince(rule, Number(marker) - 1)
    for (;;) {
      const held = Atomics.load(slots, SPEND_PERIOD)
      if (held === marker) return // another thread loaded it first, and may have added to it since
      if (held === LOADING) continue // two stores away from done
      if (Atomics.compareExchange(slots, SPEND_PERIOD, held, LOADING) === held) {
        Atomics.store(slots, SPEND, BigInt(Math.round(spent * NANO)))
        Atomics.store(slots, SPEND_PERIOD, marker)
        return
      }
    }
  }

  const headersOf = (entries: readonly { rule: LimitRule; slots: BigInt64Array }[], now: number, taken: ReadonlyMap<string, { requests?: number; tokens?: number }>) => {
    const headers: Record<string, string> = {}
    for (const kind of ["requests", "tokens"] as const) {
      let tightest: { limit: number; remaining: number; resetMs: number } | undefined
      for (const { rule, slots } of entries) {
        const limit = rule[kind]
        if (limit === null) continue
        const used = taken.get(rule.id)?.[kind] ?? peekWindow(slots, kind === "requests" ? REQUESTS : TOKENS, now, rule.windowMs).used
        const remaining = Math.max(0, limit - used)
        const resetMs = peekWindow(slots, REQUESTS, now, rule.windowMs).resetMs
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
    async admit(caller, model, estimateTokens) {
      let estimate: number | undefined
      const estimatedTokens = (): number => (estimate ??= estimateTokens())
      const entries = (await deps.rules()).filter((rule) => ruleApplies(rule, caller, model)).map((rule) => ({ rule, slots: deps.counters(rule.id) }))
      if (entries.length === 0) return NO_ADMISSION
      await Promise.all(entries.filter(({ rule }) => rule.budgetUsd !== null).map(({ rule, slots }) => ensureSpend(rule, slots, deps.now())))
      // From here on synchronous: nothing else runs on this thread between the checks and the takes.
      const now = deps.now()
      for (const { rule, slots } of entries) {
        if (rule.budgetUsd === null) continue
        const spent = Number(Atomics.load(slots, SPEND)) / NANO
        if (spent >= rule.budgetUsd) throw new GatewayFailure(budgetSpent(rule, model, now))
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
          const take = takeFromWindow(slots, REQUESTS, now, rule.windowMs, 1, rule.requests)
          if (!take.ok) refuse(overLimit(rule, model, "requests", rule.requests, take.used, 1, take.resetMs))
          undo.push(() => adjustWindow(slots, REQUESTS, now, deps.now(), rule.windowMs, -1))
          counts.requests = take.used
        }
        if (rule.tokens !== null) {
          if (estimatedTokens() > rule.tokens) {
            refuse({
              _tag: "RateLimited",
              shouldRetry: false,
              message: `Request too large for ${model} in ${ownerOf(rule)} on ${perWindow("tokens", rule.windowMs)}: Limit ${rule.tokens}, Requested ${estimatedTokens()}. Send fewer tokens or ask for a smaller max_tokens.`,
            })
          }
          const take = takeFromWindow(slots, TOKENS, now, rule.windowMs, estimatedTokens(), rule.tokens)
          if (!take.ok) refuse(overLimit(rule, model, "tokens", rule.tokens, take.used, estimatedTokens(), take.resetMs))
          undo.push(() => adjustWindow(slots, TOKENS, now, deps.now(), rule.windowMs, -estimatedTokens()))
          counts.tokens = take.used
        }
        taken.set(rule.id, counts)
      }
      const headers = headersOf(entries, now, taken)
      let settled = false
      return {
        headers,
        settle(tokens, costUsd) {
          if (settled) return
          settled = true
          const end = deps.now()
          for (const { rule, slots } of entries) {
            if (rule.concurrent !== null) releaseGauge(slots, CONCURRENT)
            if (rule.tokens !== null && tokens !== undefined) adjustWindow(slots, TOKENS, now, end, rule.windowMs, tokens - estimatedTokens())
            // Added to the period it was admitted in only: after a reset or a new period the call's row is before the start.
            if (rule.budgetUsd !== null && costUsd !== null && costUsd > 0 && Atomics.load(slots, SPEND_PERIOD) === spendMarker(rule, now)) {
              Atomics.add(slots, SPEND, BigInt(Math.round(costUsd * NANO)))
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
