import type { Message } from "@harper-gateway/translate"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createThoughtSignatureStore, textDigest, textHasher } from "./thought-signature-store.ts"

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

describe("thought-signature store: Gemini 3 text signatures (keyed by the text's digest)", () => {
  const store = () => createThoughtSignatureStore({ maxEntries: 10, maxChars: 10_000, ttlMs: 60_000 })

  it("puts a text's signature back on an assistant turn whose text is exactly that, as a string or as text parts", () => {
    const signatures = store()
    signatures.rememberText(textDigest("Paris."), "sig")
    const [asString] = signatures.resign([{ role: "assistant", content: "Paris." }])
    expect(asString).toEqual({ role: "assistant", content: "Paris.", textSignature: "sig" })
    const [asParts] = signatures.resign([
      {
        role: "assistant",
        content: [
          { type: "text", text: "Par" },
          { type: "text", text: "is." },
        ],
      },
    ])
    expect(asParts).toMatchObject({ textSignature: "sig" })
  })

  it("a text that differs by one character, or an empty one, gets nothing; a signature the client sent stays", () => {
    const signatures = store()
    signatures.rememberText(textDigest("Paris."), "sig")
    signatures.rememberText(textDigest(""), "empty")
    expect(signatures.resign([{ role: "assistant", content: "Paris!" }])).toEqual([{ role: "assistant", content: "Paris!" }])
    expect(signatures.resign([{ role: "assistant", content: "" }])).toEqual([{ role: "assistant", content: "" }])
    expect(signatures.resign([{ role: "assistant", content: "Paris.", textSignature: "own" }])).toEqual([{ role: "assistant", content: "Paris.", textSignature: "own" }])
  })

  it("a text's signature never signs a tool call, whatever its id, and a call's never a text", () => {
    const signatures = store()
    signatures.rememberText(textDigest("x"), "text-sig")
    signatures.remember(`text:${textDigest("y")}`, "", "call-sig")
    expect(signatures.resign([assistantCalling({ id: `text:${textDigest("x")}`, name: "" })])).toEqual([assistantCalling({ id: `text:${textDigest("x")}`, name: "" })])
    expect(signatures.resign([{ role: "assistant", content: "y" }])).toEqual([{ role: "assistant", content: "y" }])
  })

  it("a text hashed piece by piece has the digest of the whole", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" })), (pieces) => {
        const hasher = textHasher()
        for (const piece of pieces) hasher.update(piece)
        expect(hasher.digest("hex")).toBe(textDigest(pieces.join("")))
      }),
    )
  })
})
