import { describe, expect, it } from "vitest"
import { createRuleCache } from "./rule-cache.ts"

describe("rule cache", () => {
  it("loads once, again when the shared version moves, and again when it is old", async () => {
    let loads = 0
    let version = 0n
    let now = 0
    const rules = createRuleCache(
      async () => (loads++, []),
      () => version,
      5_000,
      () => now,
    )
    await Promise.all([rules(), rules()])
    await rules()
    expect(loads).toBe(1)
    version = 1n
    await rules()
    expect(loads).toBe(2)
    now = 5_000
    await rules()
    expect(loads).toBe(3)
  })
})
