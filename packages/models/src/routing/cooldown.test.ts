import { describe, expect, it } from "vitest"
import { COOLDOWN_SLOTS, createCooldown } from "./cooldown.ts"

const policy = { enabled: true, failures: 3, windowMs: 1_000, cooldownMs: 5_000 }

describe("a deployment's cooldown", () => {
  it("opens after N failures within the window, not after N failures spread wider", () => {
    const spread = createCooldown(policy)
    for (const t of [0, 600, 1_200, 1_800]) spread.failed(t, false, null)
    expect(spread.canTry(1_900)).toBe(true)
    const burst = createCooldown(policy)
    for (const t of [0, 100, 200]) burst.failed(t, false, null)
    expect(burst.canTry(201)).toBe(false)
    expect(burst.coolingUntil(201)).toBe(5_200)
  })

  it("lets exactly one probe through after the cooldown; its success closes it", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
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
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
    const probe = breaker.begin(6_000)
    breaker.failed(6_100, probe, null)
    expect(breaker.canTry(11_000)).toBe(false)
    expect(breaker.canTry(11_100)).toBe(true)
    breaker.neutral(breaker.begin(11_100))
    expect(breaker.canTry(11_101)).toBe(true)
  })

  it("a probe still out after another cooldown no longer holds the deployment", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
    expect(breaker.begin(5_002)).toBe(true)
    expect(breaker.canTry(9_000)).toBe(false)
    expect(breaker.canTry(10_002)).toBe(true)
    expect(breaker.begin(10_002)).toBe(true)
  })

  it("disabled, never cools", () => {
    const breaker = createCooldown({ ...policy, enabled: false })
    for (let t = 0; t < 10; t++) breaker.failed(t, false, null)
    expect(breaker.canTry(10)).toBe(true)
  })

  it("one tenant's failures never cool it for everyone, however many; a second tenant's failure in the window does", () => {
    const breaker = createCooldown(policy)
    for (let t = 0; t < 50; t++) breaker.failed(t, false, "attacker")
    expect(breaker.canTry(60)).toBe(true)
    breaker.failed(61, false, "victim")
    expect(breaker.canTry(62)).toBe(false)
    expect(breaker.coolingUntil(62)).toBe(5_061)
  })

  it("a window of one tenant's failures then another's: only failures inside one window count", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1]) breaker.failed(t, false, "a")
    // The window (1 s from the first failure) is over: b's failure starts a new one.
    breaker.failed(1_000, false, "b")
    expect(breaker.canTry(1_001)).toBe(true)
    for (const t of [1_001, 1_002]) breaker.failed(t, false, "c")
    expect(breaker.canTry(1_003)).toBe(false)
  })

  it("failures of calls without a tenant (application code) count as from several callers", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
    expect(breaker.canTry(3)).toBe(false)
  })

  it("two breakers on the same slots are one state (worker threads of a node share it)", () => {
    const slots = new BigInt64Array(new SharedArrayBuffer(COOLDOWN_SLOTS * 8))
    const thread1 = createCooldown(policy, slots)
    const thread2 = createCooldown(policy, slots)
    thread1.failed(0, false, "a")
    thread2.failed(1, false, "b")
    thread1.failed(2, false, "a")
    expect(thread2.canTry(3)).toBe(false)
    expect(thread2.begin(5_002)).toBe(true)
    expect(thread1.begin(5_003)).toBe(false) // the probe is out, whichever thread took it
    thread2.succeeded()
    expect(thread1.canTry(5_004)).toBe(true)
    expect(thread1.lastFailedAt()).toBe(2)
  })
})
