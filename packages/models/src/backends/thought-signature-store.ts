import type { Message } from "@harper-gateway/translate"
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
 */
export interface ThoughtSignatureStore {
  remember(toolCallId: string, name: string, signature: string): void
  /** The messages with each assistant tool call that lacks a signature signed from the store, where the id and function name match. */
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

interface Entry {
  readonly name: string
  readonly signature: string
}

export function createThoughtSignatureStore(options: ThoughtSignatureStoreOptions): ThoughtSignatureStore {
  // Keyed by the tool-call id; forgotten ttlMs after it was kept, a recall does not renew it.
  const signatures = createBoundedStore<Entry>({ maxEntries: options.maxEntries, maxSize: options.maxChars, sizeOf: (entry) => entry.signature.length, ttlMs: options.ttlMs, renewOnRecall: false, now: options.now })
  return {
    remember(toolCallId, name, signature) {
      signatures.keep(toolCallId, { name, signature })
    },
    resign(messages) {
      return messages.map((message) => {
        if (message.role !== "assistant" || message.toolCalls === undefined || message.toolCalls.every((call) => call.signature !== undefined)) return message
        const toolCalls = message.toolCalls.map((call) => {
          if (call.signature !== undefined) return call
          const entry = signatures.recall(call.id, (kept) => kept.name === call.name)
          return entry === undefined ? call : { ...call, signature: entry.signature }
        })
        return { ...message, toolCalls }
      })
    },
    heldChars: () => signatures.heldSize(),
  }
}
