import { describe, expect, it } from "vitest"
import { fakeTable } from "../../test/fake-table.ts"
import { SLOT_COUNT } from "../limits/limiter.ts"
import { sharedCounters } from "./shared-memory.ts"

/**
 * lmdb's `getUserSharedBuffer(key, defaultBuffer)` answers the buffer already shared under
 * the key, or shares the default one (lmdb-js README, "getUserSharedBuffer"): a process-wide map.
 */
function lmdbStore() {
  const buffers = new Map<string, ArrayBuffer>()
  const asked: string[] = []
  return {
    asked,
    getUserSharedBuffer(key: string, defaultBuffer: ArrayBuffer): ArrayBuffer {
      asked.push(key)
      const known = buffers.get(key) ?? defaultBuffer
      buffers.set(key, known)
      return known
    },
  }
}

describe("sharedCounters", () => {
  it("gives two threads' counters of one key the same memory, through lmdb", () => {
    const primaryStore = lmdbStore()
    const table = Object.assign(fakeTable(), { primaryStore })
    const warnings: string[] = []
    const thread1 = sharedCounters(table, (message) => warnings.push(message))
    const thread2 = sharedCounters(table, (message) => warnings.push(message))
    Atomics.add(thread1("gateway-limit:k1"), 0, 5n)
    expect(Atomics.load(thread2("gateway-limit:k1"), 0)).toBe(5n)
    expect(Atomics.load(thread2("gateway-limit:k2"), 0)).toBe(0n)
    expect(warnings).toEqual([])
  })

  it("has SLOT_COUNT slots unless asked, and asks lmdb once per key in a thread", () => {
    const primaryStore = lmdbStore()
    const counters = sharedCounters(Object.assign(fakeTable(), { primaryStore }), () => undefined)
    expect(counters("a")).toHaveLength(SLOT_COUNT)
    expect(counters("a")).toBe(counters("a"))
    expect(counters("b", 3)).toHaveLength(3)
    expect(primaryStore.asked).toEqual(["a", "b"])
  })

  it("counts per thread without lmdb's shared buffers, and warns once", () => {
    const warnings: string[] = []
    const counters = sharedCounters(fakeTable(), (message) => warnings.push(message))
    Atomics.add(counters("a"), 0, 1n)
    expect(Atomics.load(counters("a"), 0)).toBe(1n)
    expect(warnings).toEqual(["gateway: lmdb's shared buffers are missing: limits and cooldowns are counted per worker thread"])
  })
})
