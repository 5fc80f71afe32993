import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { attemptBudget } from "./attempt-budget.ts"

describe("a call's attempt budget", () => {
  it("is the model's maxAttempts for a client's first try, and one for its retries", () => {
    expect(attemptBudget(3, 0)).toBe(3)
    expect(attemptBudget(3, 1)).toBe(1)
    expect(attemptBudget(5, 7)).toBe(1)
  })

  it("an SDK with R retries reaches the upstream at most maxAttempts + R times in all", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.nat({ max: 50 }), (max, retries) => {
        let total = 0
        for (let n = 0; n <= retries; n++) total += attemptBudget(max, n)
        expect(total).toBe(max + retries)
      }),
    )
  })
})
