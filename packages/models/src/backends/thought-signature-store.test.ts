import type { Message } from "@harper-gateway/translate"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createThoughtSignatureStore } from "./thought-signature-store.ts"

const clock = () => {
  let now = 1_000_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

const assistantCalling = (...calls: { id: string; name: string; signature?: string }[]): Message => ({
  role: "assistant",
  content: null,
  toolCalls: calls.map((call) => ({ arguments: "{}", ...call })),
})

describe("thought-signature store (per node, bounded, keyed by the gateway's tool-call id)", () => {
  it("puts a remembered signature back on the assistant tool call that comes back without it", () => {
    const store = createThoughtSignatureStore({ maxEntries: 10, maxChars: 10_000, ttlMs: 60_000 })
    store.remember("call_a1_0", "weather", "EskgCsYgAb4")
    const [user, assistant, tool] = store.resign([{ role: "user", content: "weather?" }, assistantCalling({ id: "call_a1_0", name: "weather" }), { role: "tool", toolCallId: "call_a1_0", content: "sunny" }])
    expect(user).toEqual({ role: "user", content: "weather?" })
    expect(assistant).toEqual(assistantCalling({ id: "call_a1_0", name: "weather", signature: "EskgCsYgAb4" }))
    expect(tool).toEqual({ role: "tool", toolCallId: "call_a1_0", content: "sunny" })
  })

  it("never re-signs a call whose name differs (an id guessed or reused for another function)", () => {
    const store = createThoughtSignatureStore({ maxEntries: 10, maxChars: 10_000, ttlMs: 60_000 })
    store.remember("call_a1_0", "weather", "sig")
    expect(store.resign([assistantCalling({ id: "call_a1_0", name: "delete_account" })])).toEqual([assistantCalling({ id: "call_a1_0", name: "delete_account" })])
  })

  it("keeps a signature the client did send", () => {
    const store = createThoughtSignatureStore({ maxEntries: 10, maxChars: 10_000, ttlMs: 60_000 })
    store.remember("c", "f", "stored")
    expect(store.resign([assistantCalling({ id: "c", name: "f", signature: "own" })])).toEqual([assistantCalling({ id: "c", name: "f", signature: "own" })])
  })

  it("forgets after the TTL", () => {
    const time = clock()
    const store = createThoughtSignatureStore({ maxEntries: 10, maxChars: 10_000, ttlMs: 60_000, now: time.now })
    store.remember("c", "f", "sig")
    time.advance(59_000)
    expect(store.resign([assistantCalling({ id: "c", name: "f" })])).toEqual([assistantCalling({ id: "c", name: "f", signature: "sig" })])
    time.advance(2_000)
    expect(store.resign([assistantCalling({ id: "c", name: "f" })])).toEqual([assistantCalling({ id: "c", name: "f" })])
  })

  it("drops the least recently used past the entry bound", () => {
    const store = createThoughtSignatureStore({ maxEntries: 2, maxChars: 10_000, ttlMs: 60_000 })
    store.remember("a", "f", "sa")
    store.remember("b", "f", "sb")
    store.resign([assistantCalling({ id: "a", name: "f" })]) // a is now the most recently used
    store.remember("c", "f", "sc")
    const signed = store.resign([assistantCalling({ id: "a", name: "f" }, { id: "b", name: "f" }, { id: "c", name: "f" })])
    expect(signed).toEqual([assistantCalling({ id: "a", name: "f", signature: "sa" }, { id: "b", name: "f" }, { id: "c", name: "f", signature: "sc" })])
  })

  it("holds at most maxChars of signatures, whatever is remembered", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ minLength: 1, maxLength: 400 })), { maxLength: 60 }), (entries) => {
        const store = createThoughtSignatureStore({ maxEntries: 1_000, maxChars: 1_000, ttlMs: 60_000 })
        for (const [id, signature] of entries) store.remember(id, "f", signature)
        expect(store.heldChars()).toBeLessThanOrEqual(1_000)
      }),
    )
  })

  it("does not keep a signature larger than the whole bound", () => {
    const store = createThoughtSignatureStore({ maxEntries: 10, maxChars: 100, ttlMs: 60_000 })
    store.remember("c", "f", "x".repeat(101))
    expect(store.resign([assistantCalling({ id: "c", name: "f" })])).toEqual([assistantCalling({ id: "c", name: "f" })])
  })
})
