import type { Message } from "@harper-gateway/translate"
import { LRUCache } from "lru-cache"

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
  const now = options.now
  const cache = new LRUCache<string, Entry>({
    max: options.maxEntries,
    maxSize: options.maxChars,
    sizeCalculation: (entry) => Math.max(1, entry.signature.length),
    ttl: options.ttlMs,
    // Read the clock on every check: the default caches it for a tick, which an injected clock would not see move.
    ttlResolution: 0,
    ...(now === undefined ? {} : { perf: { now } }),
  })
  return {
    remember(toolCallId, name, signature) {
      // A single signature over the whole bound is not kept (lru-cache refuses it rather than empty itself).
      cache.set(toolCallId, { name, signature })
    },
    resign(messages) {
      return messages.map((message) => {
        if (message.role !== "assistant" || message.toolCalls === undefined || message.toolCalls.every((call) => call.signature !== undefined)) return message
        const toolCalls = message.toolCalls.map((call) => {
          if (call.signature !== undefined) return call
          const entry = cache.get(call.id)
          return entry !== undefined && entry.name === call.name ? { ...call, signature: entry.signature } : call
        })
        return { ...message, toolCalls }
      })
    },
    heldChars: () => cache.calculatedSize,
  }
}
