import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { LimitSettings, limitRuleId } from "./limit-rule.ts"

const decode = Schema.decodeUnknownResult(LimitSettings)

describe("limit settings", () => {
  it("refuses counts Harper's 32-bit Int columns cannot store, instead of failing the write", () => {
    expect(Result.isSuccess(decode({ tenant: "t", tokens: 2_147_483_647 }))).toBe(true)
    expect(Result.isFailure(decode({ tenant: "t", tokens: 1_000_000_000_000 }))).toBe(true)
    expect(Result.isFailure(decode({ tenant: "t", requests: 2_147_483_648 }))).toBe(true)
    expect(Result.isFailure(decode({ tenant: "t", concurrent: -1 }))).toBe(true)
  })
})

describe("limit rule ids", () => {
  const name = fc.string({ minLength: 1, maxLength: 12 }).filter((value) => value.isWellFormed())
  const target = fc.record({
    owner: fc.oneof(
      name.map((tenant) => ({ tenant })),
      name.map((keyId) => ({ keyId })),
    ),
    model: fc.option(name, { nil: null }),
  })
  it("name different owners or models differently, whatever the names spell (property)", () => {
    fc.assert(
      fc.property(target, target, (a, b) => {
        const same = JSON.stringify([a.owner, a.model]) === JSON.stringify([b.owner, b.model])
        expect(limitRuleId(a.owner, a.model) === limitRuleId(b.owner, b.model)).toBe(same)
      }),
    )
  })
  it("keep the documented form for plain names, and encode the separators", () => {
    expect(limitRuleId({ tenant: "acme" }, null)).toBe("tenant:acme")
    expect(limitRuleId({ keyId: "15f925674708" }, "default")).toBe("key:15f925674708|model:default")
    expect(limitRuleId({ tenant: "mx|model:oa" }, null)).toBe("tenant:mx%7Cmodel%3Aoa")
  })
  it("refuse a non-finite budget (JSON's 1e400)", () => {
    expect(Result.isFailure(decode({ tenant: "t", budgetUsd: Number.POSITIVE_INFINITY }))).toBe(true)
    expect(Result.isFailure(decode({ tenant: "t", budgetUsd: Number.NaN }))).toBe(true)
  })
})
