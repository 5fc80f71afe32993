import { createHash, type Hash } from "node:crypto"
import { assistantText, type Message } from "@harper-gateway/translate"
import { createBoundedStore } from "./bounded-store.ts"

/**
 * Gemini's `thoughtSignature` on a function call must come back with the call on the
 * next turn (Gemini 3 refuses the turn otherwise), but OpenAI clients drop fields they
 * do not know. The backend keeps each signature here under the tool-call id the gateway
 * gave the call, and puts it back when the assistant turn with that call returns.
 *
 * In memory, per node (a conversation that lands on another node, or comes back after
 * the TTL or an eviction, is replayed without its signature), bounded by entries and by
 * the characters of signatures held; least recently used first out.
 *
 * Gemini 3 also signs answer text (a `thoughtSignature` on a text part). A text has no id,
 * so its signature is kept under the digest of the text (textDigest) and put back on an
 * assistant turn whose text is exactly that, in the same store and bounds.
 */
export interface ThoughtSignatureStore {
  remember(toolCallId: string, name: string, signature: string): void
  /** Keeps a text part's signature under the digest of the answer's text (textDigest, or a textHasher's). */
  rememberText(digest: string, signature: string): void
  /** The messages with each assistant tool call that lacks a signature signed from the store, where the id and function name match, and each unsigned assistant text signed when the store holds its text's. */
  resign(messages: readonly Message[]): readonly Message[]
  /** Characters of signatures held (for the bound's tests). */
  heldChars(): number
}

export interface ThoughtSignatureStoreOptions {
  readonly maxEntries: number
  readonly maxChars: number
  readonly ttlMs: number
  /** The clock (milliseconds); injected by tests. */
  readonly now?: () => number
}

export const DEFAULT_THOUGHT_SIGNATURE_BOUNDS = { maxEntries: 10_000, maxChars: 32 * 1024 * 1024, ttlMs: 60 * 60 * 1000 } as const

/** The key of a text's signature: SHA-256 of its UTF-8, so a stream can be hashed as it goes (textHasher) without holding its text. */
export function textDigest(text: string): string {
  return textHasher().update(text).digest("hex")
}

/** A digest fed piece by piece: the same as textDigest of the pieces joined. */
export function textHasher(): Hash {
  return createHash("sha256")
}

const TEXT_KEY = "text:"

/** A call's signature (recalled only for the same function name) or a text's (recalled only as a text's). */
type Entry = { readonly kind: "call"; readonly name: string; readonly signature: string } | { readonly kind: "text"; readonly signature: string }

export function createThoughtSignatureStore(options: ThoughtSignatureStoreOptions): ThoughtSignatureStore {
  // Keyed by the tool-call id; forgotten ttlMs after it was kept, a recall does not renew it.
  const signatures = createBoundedStore<Entry>({ maxEntries: options.maxEntries, maxSize: options.maxChars, sizeOf: (entry) => entry.signature.length, ttlMs: options.ttlMs, renewOnRecall: false, now: options.now })
  return {
    remember(toolCallId, name, signature) {
      signatures.keep(toolCallId, { kind: "call", name, signature })
    },
    rememberText(digest, signature) {
      signatures.keep(TEXT_KEY + digest, { kind: "text", signature })
    },
    resign(messages) {
      return messages.map((unsigned) => {
        if (unsigned.role !== "assistant") return unsigned
        const message = unsigned.textSignature === undefined ? withTextSignature(unsigned) : unsigned
        if (message.toolCalls === undefined || message.toolCalls.every((call) => call.signature !== undefined)) return message
        const toolCalls = message.toolCalls.map((call) => {
          if (call.signature !== undefined) return call
          const entry = signatures.recall(call.id, (kept) => kept.kind === "call" && kept.name === call.name)
          return entry === undefined ? call : { ...call, signature: entry.signature }
        })
        return { ...message, toolCalls }
      })
    },
    heldChars: () => signatures.heldSize(),
  }

  function withTextSignature<M extends Extract<Message, { role: "assistant" }>>(message: M): M {
    const text = assistantText(message)
    if (text === "") return message
    const entry = signatures.recall(TEXT_KEY + textDigest(text), (kept) => kept.kind === "text")
    return entry === undefined ? message : { ...message, textSignature: entry.signature }
  }
}
