import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MAX_TOKEN_COUNT, readTokenCount } from "./token-count.ts"

describe("the token-count rule every usage mapper reads with", () => {
  it("trusts non-negative integers up to Harper's Int column (2^31-1), and nothing else", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2_147_483_647 }), (n) => {
      expect(readTokenCount(n)).toEqual({ kind: "count", value: n })
    }))
    expect(MAX_TOKEN_COUNT).toBe(2_147_483_647)
  })

  it("names as untrusted what is present but no count: too large, negative, fractional, infinite, NaN, text, objects", () => {
    for (const value of [2_147_483_648, 1e20, 1e300, -5, -0.5, 3.7, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, "12", "", true, {}, [], [3]]) {
      expect(readTokenCount(value), String(value)).toEqual({ kind: "untrusted" })
    }
    fc.assert(fc.property(fc.oneof(fc.double({ noInteger: true }), fc.integer({ max: -1 }), fc.double({ min: 2_147_483_648, noNaN: true })), (value) => {
      expect(readTokenCount(value)).toEqual({ kind: "untrusted" })
    }))
  })

  it("reads null and a missing key as absent (not reported), never as untrusted", () => {
    expect(readTokenCount(undefined)).toEqual({ kind: "absent" })
    expect(readTokenCount(null)).toEqual({ kind: "absent" })
  })
})
