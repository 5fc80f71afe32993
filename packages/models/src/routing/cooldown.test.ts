import { describe, expect, it } from "vitest"
import { cooldownSlotCount, createCooldown } from "./cooldown.ts"

const policy = { enabled: true, failures: 3, windowMs: 1_000, cooldownMs: 5_000, tenantSlots: 8 }

describe("a deployment's cooldown, for everyone", () => {
  it("opens after N failures within the window, not after N failures spread wider", () => {
    const spread = createCooldown(policy)
    for (const t of [0, 600, 1_200, 1_800]) spread.failed(t, false, null)
    expect(spread.canTry(1_900, null)).toBe(true)
    const burst = createCooldown(policy)
    for (const t of [0, 100, 200]) burst.failed(t, false, null)
    expect(burst.canTry(201, null)).toBe(false)
    expect(burst.canTry(5_199, "anyone")).toBe(false)
    expect(burst.canTry(5_200, "anyone")).toBe(true)
  })

  it("lets exactly one probe through after the cooldown; its success closes it", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
    expect(breaker.canTry(5_001, null)).toBe(false)
    expect(breaker.canTry(5_002, null)).toBe(true)
    expect(breaker.begin(5_002)).toBe(true)
    expect(breaker.canTry(5_003, null)).toBe(false) // the probe is out
    breaker.succeeded(null)
    expect(breaker.canTry(5_004, null)).toBe(true)
    expect(breaker.begin(5_004)).toBe(false)
  })

  it("a failed probe opens it for another cooldown; a probe without a verdict frees the slot", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
    const probe = breaker.begin(6_000)
    breaker.failed(6_100, probe, null)
    expect(breaker.canTry(11_000, null)).toBe(false)
    expect(breaker.canTry(11_100, null)).toBe(true)
    breaker.neutral(breaker.begin(11_100))
    expect(breaker.canTry(11_101, null)).toBe(true)
  })

  it("a probe still out after another cooldown no longer holds the deployment", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
    expect(breaker.begin(5_002)).toBe(true)
    expect(breaker.canTry(9_000, null)).toBe(false)
    expect(breaker.canTry(10_002, null)).toBe(true)
    expect(breaker.begin(10_002)).toBe(true)
  })

  it("disabled, never cools", () => {
    const breaker = createCooldown({ ...policy, enabled: false })
    for (let t = 0; t < 10; t++) breaker.failed(t, false, null)
    for (let t = 0; t < 10; t++) breaker.failed(t, false, "b")
    expect(breaker.canTry(10, null)).toBe(true)
    expect(breaker.canTry(10, "b")).toBe(true)
  })

  it("one tenant's failures never cool it for the others, however many; a second tenant's failure in the window does", () => {
    const breaker = createCooldown(policy)
    for (let t = 0; t < 50; t++) breaker.failed(t, false, "attacker")
    expect(breaker.canTry(60, "victim")).toBe(true)
    expect(breaker.canTry(60, null)).toBe(true)
    breaker.failed(61, false, "victim")
    expect(breaker.canTry(62, "someone else")).toBe(false)
  })

  it("only failures inside one window count", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1]) breaker.failed(t, false, "a")
    // The window (1 s from the first failure) is over: b's failure starts a new one.
    breaker.failed(1_000, false, "b")
    expect(breaker.canTry(1_001, "z")).toBe(true)
    for (const t of [1_001, 1_002]) breaker.failed(t, false, "c")
    expect(breaker.canTry(1_003, "z")).toBe(false)
  })

  it("failures charged to no tenant (no request can cause them, or application code) count as from several callers", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
    expect(breaker.canTry(3, "z")).toBe(false)
  })

  it("two breakers on the same slots are one state (the worker threads of a node share it)", () => {
    const slots = new BigInt64Array(new SharedArrayBuffer(cooldownSlotCount(policy) * 8))
    const thread1 = createCooldown(policy, slots)
    const thread2 = createCooldown(policy, slots)
    thread1.failed(0, false, "a")
    thread2.failed(1, false, "b")
    thread1.failed(2, false, "a")
    expect(thread2.canTry(3, null)).toBe(false)
    expect(thread2.begin(5_002)).toBe(true)
    expect(thread1.begin(5_003)).toBe(false) // the probe is out, whichever thread took it
    thread2.succeeded(null)
    expect(thread1.canTry(5_004, null)).toBe(true)
    expect(thread1.lastFailedAt()).toBe(2)
    for (const t of [6_000, 6_001, 6_002]) thread1.failed(t, false, "b")
    expect(thread2.canTry(6_003, "b")).toBe(false)
  })
})

describe("a deployment's cooldown, for one tenant", () => {
  it("a tenant's own failures cool the deployment for that tenant alone", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, "b")
    expect(breaker.canTry(3, "b")).toBe(false)
    expect(breaker.canTry(3, "a")).toBe(true)
    expect(breaker.canTry(3, null)).toBe(true)
    expect(breaker.canTry(5_002, "b")).toBe(true)
  })

  it("after its cooldown, the tenant's next failure cools it again at once; a success of its own ends it", () => {
    const breaker = createCooldown(policy)
    for (const t of [0, 1, 2]) breaker.failed(t, false, "b")
    breaker.failed(5_100, false, "b")
    expect(breaker.canTry(5_101, "b")).toBe(false)
    expect(breaker.canTry(10_101, "b")).toBe(true)
    breaker.succeeded("b")
    breaker.failed(10_200, false, "b")
    expect(breaker.canTry(10_201, "b")).toBe(true) // counting again from one
  })

  it("keeps at most tenantSlots tenants: one whose slot another tenant holds gets no cooldown of its own, until that one's is over", () => {
    const one = { ...policy, tenantSlots: 1 }
    const breaker = createCooldown(one)
    for (const t of [0, 1, 2]) breaker.failed(t, false, "a")
    // In a window of their own, so that the two tenants do not cool it for everyone.
    for (const t of [1_500, 1_501, 1_502]) breaker.failed(t, false, "b")
    expect(breaker.canTry(1_503, "a")).toBe(false)
    expect(breaker.canTry(1_503, "b")).toBe(true)
    // a's cooldown and the cooldown after it are over: b may take the slot.
    for (const t of [10_003, 10_004, 10_005]) breaker.failed(t, false, "b")
    expect(breaker.canTry(10_006, "b")).toBe(false)
    expect(breaker.canTry(10_006, "a")).toBe(true)
    const none = createCooldown({ ...policy, tenantSlots: 0 })
    for (const t of [0, 1, 2]) none.failed(t, false, "a")
    expect(none.canTry(3, "a")).toBe(true)
  })

  it("slots given too short for the policy are not used (the state stays this breaker's own)", () => {
    const short = new BigInt64Array(4)
    const breaker = createCooldown(policy, short)
    for (const t of [0, 1, 2]) breaker.failed(t, false, null)
    expect(breaker.canTry(3, null)).toBe(false)
    expect([...short]).toEqual([0n, 0n, 0n, 0n])
  })
})
