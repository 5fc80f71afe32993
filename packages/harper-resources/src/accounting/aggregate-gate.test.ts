import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createAggregateGate } from "./aggregate-gate.ts"

/** Shared counters as the plugin hands them out: one BigInt64Array per key, the same one for the same key. */
function counters(): (key: string) => BigInt64Array {
  const known = new Map<string, BigInt64Array>()
  return (key) => {
    const found = known.get(key) ?? new BigInt64Array(new SharedArrayBuffer(8))
    known.set(key, found)
    return found
  }
}

describe("the aggregate gate", () => {
  it("admits at most perTenant at once for a tenant and perNode in all, and frees a place on release", () => {
    const gate = createAggregateGate({ counters: counters(), perTenant: 2, perNode: 3 })
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
        const gate = createAggregateGate({ counters: shared, perTenant, perNode })
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
})
