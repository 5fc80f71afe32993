import { describe, expect, it } from "vitest"
import { createCooldown } from "./cooldown.ts"

const policy = { enabled: true, failures: 3, windowMs: 1_000, cooldownMs: 5_000 }

describe("a deployment's cooldown", () => {
  it("opens after N failures within the window, not after N failures spread wider", () => {
    const spread = createCooldown(policy)
    for (const t of [0, 600, 1_200, 1_800]) spread.failed(t, false)
    expect(spread.canTry(1_900)).toBe(true)
    const burst = createCooldown(policy)
    for (const t of [0, 100, 200]) burst.failed(t, false)
    expect(burst.canTry(201)).toBe(false)
    expect(burst.coolingUntil(201)).toBe(5_200)
  })

  it("lets exactly one probe through after the cooldown; its success closes it", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false)
    expect(breaker.canTry(5_001)).toBe(false)
    expect(breaker.canTry(5_002)).toBe(true)
    expect(breaker.begin(5_002)).toBe(true)
    expect(breaker.canTry(5_003)).toBe(false) // the probe is out
    breaker.succeeded()
    expect(breaker.canTry(5_004)).toBe(true)
    expect(breaker.begin(5_004)).toBe(false)
  })

  it("a failed probe opens it for another cooldown; a probe without a verdict frees the slot", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false)
    const probe = breaker.begin(6_000)
    breaker.failed(6_100, probe)
    expect(breaker.canTry(11_000)).toBe(false)
    expect(breaker.canTry(11_100)).toBe(true)
    breaker.neutral(breaker.begin(11_100))
    expect(breaker.canTry(11_101)).toBe(true)
  })

  it("a probe still out after another cooldown no longer holds the deployment", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false)
    expect(breaker.begin(5_002)).toBe(true)
    expect(breaker.canTry(9_000)).toBe(false)
    expect(breaker.canTry(10_002)).toBe(true)
    expect(breaker.begin(10_002)).toBe(true)
  })

  it("disabled, never cools", () => {
    const breaker = createCooldown({ ...policy, enabled: false })
    for (let t = 0; t < 10; t++) breaker.failed(t, false)
    expect(breaker.canTry(10)).toBe(true)
  })
})
