import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { LimitSettings } from "./limit-rule.ts"

const decode = Schema.decodeUnknownResult(LimitSettings)

describe("limit settings", () => {
  it("refuses counts Harper's 32-bit Int columns cannot store, instead of failing the write", () => {
    expect(Result.isSuccess(decode({ tenant: "t", tokens: 2_147_483_647 }))).toBe(true)
    expect(Result.isFailure(decode({ tenant: "t", tokens: 1_000_000_000_000 }))).toBe(true)
    expect(Result.isFailure(decode({ tenant: "t", requests: 2_147_483_648 }))).toBe(true)
    expect(Result.isFailure(decode({ tenant: "t", concurrent: -1 }))).toBe(true)
  })
})
