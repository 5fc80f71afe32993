import { GatewayFailure } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import type { LimitRule } from "./limit-rule.ts"
import { createLimiter, SLOT_COUNT, type LimiterDeps } from "./limiter.ts"

const rule = (partial: Partial<LimitRule>): LimitRule => ({
  id: "tenant:acme",
  tenant: "acme",
  keyId: null,
  model: null,
  requests: null,
  tokens: null,
  windowMs: 1_000,
  concurrent: null,
  budgetUsd: null,
  budgetPeriod: "day",
  budgetResetAt: null,
  ...partial,
})

function setup(rules: LimitRule[], spent = 0) {
  let now = 10_000
  const buffers = new Map<string, BigInt64Array>()
  const loads: string[] = []
  const deps: LimiterDeps = {
    rules: async () => rules,
    counters: (id) => {
      let slots = buffers.get(id)
      if (slots === undefined) buffers.set(id, (slots = new BigInt64Array(new SharedArrayBuffer(SLOT_COUNT * 8))))
      return slots
    },
    spentSince: async (r) => {
      loads.push(r.id)
      return spent
    },
    node: "a",
    published: async () => [],
    now: () => now,
  }
  return { limiter: createLimiter(deps), advance: (ms: number) => (now += ms), loads }
}

const caller = { tenant: "acme", keyId: "k1" }
const reasonOf = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    return GatewayFailure.reasonOf(error)
  }
  return undefined
}

describe("limiter", () => {
  it("admits the window's requests, then refuses with the true time to the window's end", async () => {
    const { limiter, advance } = setup([rule({ requests: 2 })])
    advance(250)
    const first = await limiter.admit(caller, "m", () => 1)
    expect(first.headers).toEqual({ "x-ratelimit-limit-requests": "2", "x-ratelimit-remaining-requests": "1", "x-ratelimit-reset-requests": "750ms" })
    await limiter.admit(caller, "m", () => 1)
    expect(await reasonOf(limiter.admit(caller, "m", () => 1))).toEqual({
      _tag: "RateLimited",
      retryAfterMs: 750,
      message: "Rate limit reached for m in tenant acme on requests per 1s: Limit 2, Used 2, Requested 1. Please try again in 750ms.",
    })
    advance(750)
    expect((await limiter.admit(caller, "m", () => 1)).headers["x-ratelimit-remaining-requests"]).toBe("1")
  })

  it("counts the prompt only when a token limit applies (counting is the costly part)", async () => {
    let counted = 0
    const estimate = () => (counted++, 5)
    const requestsOnly = setup([rule({ requests: 10 })])
    await requestsOnly.limiter.admit(caller, "m", estimate)
    expect(counted).toBe(0)
    const withTokens = setup([rule({ tokens: 100 })])
    const admitted = await withTokens.limiter.admit(caller, "m", estimate)
    admitted.settle(3, null)
    expect(counted).toBe(1)
  })

  it("reserves the estimate and settles to the reported count", async () => {
    const { limiter } = setup([rule({ tokens: 100 })])
    const first = await limiter.admit(caller, "m", () => 60)
    expect(first.headers["x-ratelimit-remaining-tokens"]).toBe("40")
    expect((await reasonOf(limiter.admit(caller, "m", () => 60)))?._tag).toBe("RateLimited")
    first.settle(10, null)
    expect((await limiter.admit(caller, "m", () => 60)).headers["x-ratelimit-remaining-tokens"]).toBe("30")
  })

  it("refuses a request larger than the whole token limit as not retryable", async () => {
    const { limiter } = setup([rule({ tokens: 100 })])
    expect(await reasonOf(limiter.admit(caller, "m", () => 101))).toMatchObject({ _tag: "RateLimited", shouldRetry: false })
  })

  it("carries usage settled past the limit into the next windows, so five windows' limit pay for a call 5x over it", async () => {
    const { limiter, advance } = setup([rule({ tokens: 10_000 })])
    const call = await limiter.admit(caller, "m", () => 100)
    call.settle(50_005, null)
    const admittedIn = async (windows: number) => {
      const tags: string[] = []
      for (let i = 0; i < windows; i++) {
        tags.push((await reasonOf(limiter.admit(caller, "m", () => 1)))?._tag ?? "admitted")
        advance(1_000)
      }
      return tags
    }
    // Its own window holds 50,005; the next four still owe 40,005 … 10,005; the fifth owes 5 and admits again.
    expect(await admittedIn(6)).toEqual(["RateLimited", "RateLimited", "RateLimited", "RateLimited", "RateLimited", "admitted"])
  })

  it("carries an overshoot settled after the call's window ended: into its own window while the counter holds it, else into the window then current", async () => {
    const own = setup([rule({ tokens: 10_000 })])
    const early = await own.limiter.admit(caller, "m", () => 100)
    own.advance(1_000)
    early.settle(25_100, null)
    // Counted in its own window (25,100): the next owes 15,100, the one after 5,100.
    expect((await reasonOf(own.limiter.admit(caller, "m", () => 1)))?._tag).toBe("RateLimited")
    own.advance(1_000)
    expect((await own.limiter.admit(caller, "m", () => 1)).headers["x-ratelimit-remaining-tokens"]).toBe("4899")

    const rolled = setup([rule({ tokens: 10_000 })])
    const late = await rolled.limiter.admit(caller, "m", () => 100)
    rolled.advance(1_000)
    await rolled.limiter.admit(caller, "m", () => 1)
    late.settle(25_100, null)
    // The counter moved on: the 25,000 past the estimate go into the window now current (25,001), then 15,001, then 5,001.
    for (let i = 0; i < 2; i++) {
      expect((await reasonOf(rolled.limiter.admit(caller, "m", () => 1)))?._tag).toBe("RateLimited")
      rolled.advance(1_000)
    }
    expect((await rolled.limiter.admit(caller, "m", () => 1)).headers["x-ratelimit-remaining-tokens"]).toBe("4998")
  })

  it("gives back what it took when a later rule refuses", async () => {
    const { limiter } = setup([rule({ requests: 10 }), rule({ id: "key:k1", tenant: null, keyId: "k1", requests: 1 })])
    await limiter.admit(caller, "m", () => 1)
    expect((await reasonOf(limiter.admit(caller, "m", () => 1)))?._tag).toBe("RateLimited")
    expect((await limiter.peekHeaders({ tenant: "acme", keyId: null }, null))["x-ratelimit-remaining-requests"]).toBe("9")
  })

  it("applies per-model rules only to their model, and other tenants' rules not at all", async () => {
    const { limiter } = setup([rule({ id: "tenant:acme|model:big", model: "big", requests: 1 }), rule({ id: "tenant:other", tenant: "other", requests: 0 })])
    await limiter.admit(caller, "big", () => 1)
    expect((await reasonOf(limiter.admit(caller, "big", () => 1)))?._tag).toBe("RateLimited")
    expect((await limiter.admit(caller, "small", () => 1)).headers).toEqual({})
  })

  it("settles a rule written for the model with what the call spent on that model, and a model-independent rule with all it spent (a call that fell back)", async () => {
    const { limiter } = setup([rule({ id: "tenant:acme", tokens: 1_000, budgetUsd: 10 }), rule({ id: "tenant:acme|model:cheap", model: "cheap", tokens: 1_000, budgetUsd: 10 })])
    const admitted = await limiter.admit(caller, "cheap", () => 100)
    // 300 tokens and $3 in all, of which 0 tokens and nothing on `cheap` itself (its fallback answered).
    admitted.settle(300, 3, { tokens: 0, costUsd: null })
    const next = await limiter.admit(caller, "cheap", () => 1)
    const [independent, own] = [await limiter.peekHeaders(caller, null), next.headers]
    expect(independent["x-ratelimit-remaining-tokens"]).toBe("699")
    // The tightest of the two rules is shown for `cheap`: the model rule has 999 left, so the tenant's 699 is the one shown.
    expect(own["x-ratelimit-remaining-tokens"]).toBe("699")
    next.settle(1, 7.5)
    // The tenant's budget has $10.5 spent and refuses; `cheap`'s own has $7.5 and would not.
    expect((await reasonOf(limiter.admit(caller, "cheap", () => 1)))?._tag).toBe("QuotaExhausted")
    const modelOnly = await limiter.admit(caller, "cheap", () => 1, true)
    expect(modelOnly.headers["x-ratelimit-remaining-tokens"]).toBe("998")
  })

  it("bounds concurrent calls until they settle", async () => {
    const { limiter } = setup([rule({ concurrent: 1 })])
    const running = await limiter.admit(caller, "m", () => 1)
    expect((await reasonOf(limiter.admit(caller, "m", () => 1)))?._tag).toBe("RateLimited")
    running.settle(1, null)
    running.settle(1, null)
    await limiter.admit(caller, "m", () => 1)
    expect((await reasonOf(limiter.admit(caller, "m", () => 1)))?._tag).toBe("RateLimited")
  })

  it("starts from the table's spend, adds each call's cost, and refuses once the budget is spent", async () => {
    const { limiter, loads } = setup([rule({ budgetUsd: 1 })], 0.9)
    const call = await limiter.admit(caller, "m", () => 1)
    const inFlight = await limiter.admit(caller, "m", () => 1)
    call.settle(1, 0.1)
    const refused = await reasonOf(limiter.admit(caller, "m", () => 1))
    expect(refused).toMatchObject({ _tag: "QuotaExhausted" })
    expect(refused?._tag === "QuotaExhausted" ? refused.message : "").toMatch(/daily budget of \$1 for tenant acme is spent\. It resets at 1970-01-02T00:00:00\.000Z/)
    inFlight.settle(1, 0.05)
    expect(loads).toEqual(["tenant:acme"])
  })

  it("reloads the spend for a new period", async () => {
    const { limiter, advance, loads } = setup([rule({ budgetUsd: 1 })], 0)
    ;(await limiter.admit(caller, "m", () => 1)).settle(1, 2)
    expect((await reasonOf(limiter.admit(caller, "m", () => 1)))?._tag).toBe("QuotaExhausted")
    advance(86_400_000)
    await limiter.admit(caller, "m", () => 1)
    expect(loads).toEqual(["tenant:acme", "tenant:acme"])
  })
})
