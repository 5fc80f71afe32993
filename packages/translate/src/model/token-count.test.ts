import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MAX_TOKEN_COUNT, readTokenCount, tokenTotal } from "./token-count.ts"

describe("the token-count rule every usage mapper reads with", () => {
  it("trusts non-negative integers up to Harper's Int column (2^31-1), and nothing else", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_147_483_647 }), (n) => {
        expect(readTokenCount(n)).toEqual({ kind: "count", value: n })
      }),
    )
    expect(MAX_TOKEN_COUNT).toBe(2_147_483_647)
  })

  it("names as untrusted what is present but no count: too large, negative, fractional, infinite, NaN, text, objects", () => {
    for (const value of [2_147_483_648, 1e20, 1e300, -5, -0.5, 3.7, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, "12", "", true, {}, [], [3]]) {
      expect(readTokenCount(value), String(value)).toEqual({ kind: "untrusted" })
    }
    fc.assert(
      fc.property(fc.oneof(fc.double({ noInteger: true }), fc.integer({ max: -1 }), fc.double({ min: 2_147_483_648, noNaN: true })), (value) => {
        expect(readTokenCount(value)).toEqual({ kind: "untrusted" })
      }),
    )
  })

  it("reads null and a missing key as absent (not reported), never as untrusted", () => {
    expect(readTokenCount(undefined)).toEqual({ kind: "absent" })
    expect(readTokenCount(null)).toEqual({ kind: "absent" })
  })
})

describe("a total of trusted counts", () => {
  it("is their sum while it fits, else MAX_TOKEN_COUNT and clamped (2e9 + 2e9 is no Int)", () => {
    expect(tokenTotal([3, 4])).toEqual({ total: 7, clamped: false })
    expect(tokenTotal([MAX_TOKEN_COUNT, 0])).toEqual({ total: MAX_TOKEN_COUNT, clamped: false })
    expect(tokenTotal([2e9, 2e9])).toEqual({ total: 2_147_483_647, clamped: true })
    expect(tokenTotal([MAX_TOKEN_COUNT, 1])).toEqual({ total: 2_147_483_647, clamped: true })
  })
  it("is always a count (an Int column takes it) for any trusted counts (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: MAX_TOKEN_COUNT }), { maxLength: 4 }), (counts) => {
        const { total, clamped } = tokenTotal(counts)
        expect(total >= 0 && total <= 2_147_483_647 && Number.isInteger(total)).toBe(true)
        expect(clamped).toBe(counts.reduce((a, b) => a + b, 0) > 2_147_483_647)
      }),
    )
  })
})
