import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createBoundedStore, type BoundedStoreOptions } from "./bounded-store.ts"

interface Value {
  readonly text: string
}
const clock = () => {
  let now = 1_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}
const store = (overrides: Partial<BoundedStoreOptions<Value>> = {}) => {
  const time = clock()
  const s = createBoundedStore<Value>({ maxEntries: 10, maxSize: 1_000, sizeOf: (value) => value.text.length, ttlMs: 1_000, renewOnRecall: false, now: time.now, ...overrides })
  return { s, time }
}
const any = () => true

describe("the bounded store", () => {
  it("gives a value back only when the caller's rule matches it", () => {
    const { s } = store()
    s.keep("k", { text: "v" })
    expect(s.recall("k", (value) => value.text === "other")).toBeUndefined()
    expect(s.recall("k", (value) => value.text === "v")).toEqual({ text: "v" })
    expect(s.recall("absent", any)).toBeUndefined()
  })

  it("counts only a matching recall as use: a lookup that does not match leaves the entry least recently used", () => {
    const { s } = store({ maxEntries: 2 })
    s.keep("a", { text: "a" })
    s.keep("b", { text: "b" })
    s.recall("a", () => false)
    s.keep("c", { text: "c" })
    expect(s.recall("a", any)).toBeUndefined()
    expect(s.recall("b", any)).toEqual({ text: "b" })
  })

  it("forgets an entry once its age reaches the TTL; a recall renews it only with renewOnRecall", () => {
    for (const renewOnRecall of [true, false]) {
      const { s, time } = store({ renewOnRecall })
      s.keep("k", { text: "v" })
      time.advance(600)
      expect(s.recall("k", any)).toEqual({ text: "v" })
      time.advance(600)
      expect(s.recall("k", any)).toEqual(renewOnRecall ? { text: "v" } : undefined)
      time.advance(1_000)
      expect(s.recall("k", any)).toBeUndefined()
      expect(s.size()).toBe(0)
    }
  })

  it("keeps nothing with maxEntries 0", () => {
    const { s } = store({ maxEntries: 0 })
    s.keep("k", { text: "v" })
    expect(s.recall("k", any)).toBeUndefined()
    expect(s.size()).toBe(0)
  })

  it("does not keep a value larger than the whole bound, and it replaces what was under its key", () => {
    const { s } = store({ maxSize: 10 })
    s.keep("k", { text: "small" })
    s.keep("k", { text: "x".repeat(11) })
    expect(s.recall("k", any)).toBeUndefined()
    expect(s.heldSize()).toBe(0)
  })

  it("stays within its entry and size bounds, and keeps the last value kept when it fits (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d", "e"), fc.string({ maxLength: 60 })), { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (kept, maxEntries) => {
        const { s } = store({ maxEntries, maxSize: 100 })
        for (const [key, text] of kept) s.keep(key, { text })
        expect(s.size()).toBeLessThanOrEqual(maxEntries)
        expect(s.heldSize()).toBeLessThanOrEqual(100)
        const last = kept.at(-1)
        if (last !== undefined) expect(s.recall(last[0], any)).toEqual({ text: last[1] })
      }),
    )
  })
})
