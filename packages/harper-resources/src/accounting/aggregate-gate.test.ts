import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createAggregateGate } from "./aggregate-gate.ts"

/** Shared counters as the plugin hands them out: one BigInt64Array per key, the same one for the same key. */
function counters(): (key: string, length: number) => BigInt64Array {
  const known = new Map<string, BigInt64Array>()
  return (key, length) => {
    const found = known.get(key) ?? new BigInt64Array(new SharedArrayBuffer(8 * length))
    known.set(key, found)
    return found
  }
}

describe("the aggregate gate", () => {
  it("admits at most perTenant at once for a tenant and perNode in all, and frees a place on release", () => {
    const gate = createAggregateGate({ counters: counters(), perTenant: 2, perNode: 3, leaseMs: 120_000, now: () => 1_000 })
    const a1 = gate.enter("a")
    const a2 = gate.enter("a")
    expect(a1).toBeDefined()
    expect(a2).toBeDefined()
    expect(gate.enter("a")).toBeUndefined()
    const b1 = gate.enter("b")
    expect(b1).toBeDefined()
    expect(gate.enter("c")).toBeUndefined() // the node is full
    a1?.()
    a1?.() // a second release frees nothing more
    expect(gate.enter("c")).toBeDefined()
    expect(gate.enter("b")).toBeUndefined() // the node is full again
  })
  it("never holds more than the bounds, and comes back to empty, whatever the order of enters and releases (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.boolean()), { maxLength: 200 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), (steps, perTenant, perNode) => {
        const shared = counters()
        const gate = createAggregateGate({ counters: shared, perTenant, perNode, leaseMs: 120_000, now: () => 1_000 })
        const held: { tenant: string; release: () => void }[] = []
        for (const [tenant, release] of steps) {
          if (release && held.length > 0) held.shift()?.release()
          else {
            const entered = gate.enter(tenant)
            if (entered !== undefined) held.push({ tenant, release: entered })
          }
          expect(held.length).toBeLessThanOrEqual(perNode)
          for (const name of ["a", "b", "c"]) expect(held.filter((h) => h.tenant === name).length).toBeLessThanOrEqual(perTenant)
        }
        for (const h of held) h.release()
        for (const name of ["a", "b", "c"]) {
          const again = gate.enter(name)
          expect(again).toBeDefined()
          again?.()
        }
      }),
    )
  })
  it("reclaims the places of a thread that died mid-aggregate (never released) once their lease is over, not before", () => {
    const clock = { now: 1_000_000 }
    const shared = counters()
    const options = { counters: shared, perTenant: 2, perNode: 4, leaseMs: 120_000, now: () => clock.now }
    const dead = createAggregateGate(options)
    // A thread takes every place of the node and dies without releasing them.
    for (const tenant of ["a", "a", "b", "b"]) expect(dead.enter(tenant)).toBeDefined()
    const alive = createAggregateGate(options)
    clock.now += 119_000
    expect(alive.enter("c")).toBeUndefined()
    clock.now += 2_000
    const c = alive.enter("c")
    const a = alive.enter("a")
    expect(c).toBeDefined()
    expect(a).toBeDefined()
    a?.()
    c?.()
    // Every place is free again, for a tenant and for the node.
    const held = ["a", "a", "b", "b"].map((tenant) => alive.enter(tenant))
    expect(held.every((release) => release !== undefined)).toBe(true)
    expect(alive.enter("d")).toBeUndefined()
  })
  it("a late release of a reclaimed place frees nothing of its new holder's", () => {
    const clock = { now: 1_000_000 }
    const gate = createAggregateGate({ counters: counters(), perTenant: 1, perNode: 1, leaseMs: 120_000, now: () => clock.now })
    const slow = gate.enter("a")
    clock.now += 121_000
    const next = gate.enter("a")
    expect(next).toBeDefined()
    slow?.()
    expect(gate.enter("a")).toBeUndefined()
    next?.()
    expect(gate.enter("a")).toBeDefined()
  })
})
