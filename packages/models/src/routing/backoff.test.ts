import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fullJitterDelayMs } from "./backoff.ts"

describe("full-jitter backoff", () => {
  it("is a random fraction of base·2^retry, capped at maxDelayMs", () => {
    fc.assert(
      fc.property(fc.nat({ max: 40 }), fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 60_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, base, max, r) => {
        const delay = fullJitterDelayMs(retry, { baseDelayMs: base, maxDelayMs: max }, () => r)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThanOrEqual(Math.min(max, base * 2 ** retry))
      }),
    )
  })

  it("grows: the ceiling doubles each retry until the cap", () => {
    const top = (retry: number) => fullJitterDelayMs(retry, { baseDelayMs: 500, maxDelayMs: 10_000 }, () => 0.999999)
    expect([0, 1, 2, 3, 4, 5, 6].map((retry) => Math.round(top(retry)))).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000])
    expect(fullJitterDelayMs(3, { baseDelayMs: 500, maxDelayMs: 10_000 }, () => 0)).toBe(0)
    expect(fullJitterDelayMs(1, { baseDelayMs: 500, maxDelayMs: 10_000 }, () => 0.5)).toBe(500)
  })
})
