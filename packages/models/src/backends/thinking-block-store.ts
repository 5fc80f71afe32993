import type { AssistantMessage, Message, ThinkingBlock, ToolCall } from "@harper-gateway/translate"
import { createBoundedStore } from "./bounded-store.ts"

export interface ThinkingBlockStoreOptions {
  /** Answers remembered at most; the least recently used goes first. */
  readonly maxEntries: number
  /** Characters of thinking held at most, all entries together (a signed block can be tens of KB). */
  readonly maxChars: number
  /** How long an answer's blocks are kept after it was given or last recalled. */
  readonly ttlMs: number
  readonly now: () => number
}

export const DEFAULT_THINKING_STORE = { maxEntries: 1000, maxChars: 8 * 1024 * 1024, ttlMs: 60 * 60 * 1000 } as const

interface Entry {
  readonly calls: readonly { readonly id: string; readonly name: string }[]
  readonly blocks: readonly ThinkingBlock[]
  readonly chars: number
}

/**
 * The signed thinking of answers that called tools, kept in memory by the answer's
 * tool-call ids, so a client that drops `thinking_blocks` (any unmodified OpenAI
 * client) still continues a tool-use turn with thinking on: the API refuses that turn
 * without the blocks. Bounded (entries, characters, TTL; LRU), per process: another
 * node, or a restart, does not have them.
 */
export interface ThinkingBlockStore {
  /** Keeps an answer's blocks under its tool calls' ids (nothing when it has no calls or no blocks). */
  remember(toolCalls: readonly Pick<ToolCall, "id" | "name">[], blocks: readonly ThinkingBlock[]): void
  /**
   * The conversation with each assistant tool-call turn that came back without its
   * blocks given the blocks remembered for exactly those calls (same ids, same names,
   * in order); every other message untouched.
   */
  restore(messages: readonly Message[]): readonly Message[]
  /** Entries held now (for tests and diagnostics). */
  size(): number
}

export function createThinkingBlockStore(options: ThinkingBlockStoreOptions): ThinkingBlockStore {
  // Keyed by the first call's id; a recall renews the TTL ("after it was given or last recalled").
  const entries = createBoundedStore<Entry>({ maxEntries: options.maxEntries, maxSize: options.maxChars, sizeOf: (entry) => entry.chars, ttlMs: options.ttlMs, renewOnRecall: true, now: options.now })
  return {
    remember(toolCalls, blocks) {
      const first = toolCalls[0]
      if (first === undefined || blocks.length === 0) return
      const chars = blocks.reduce((sum, block) => sum + (block.type === "thinking" ? block.thinking.length + block.signature.length : block.data.length), 0)
      entries.keep(first.id, { calls: toolCalls.map((call) => ({ id: call.id, name: call.name })), blocks, chars })
    },
    restore(messages) {
      // Nothing held (size 0: every entry counts at least 1): the conversation as it came.
      if (entries.heldSize() === 0) return messages
      return messages.map((message) => (message.role === "assistant" ? restoreTurn(message) : message))
    },
    size: () => entries.size(),
  }

  function restoreTurn(message: AssistantMessage): AssistantMessage {
    const calls = message.toolCalls ?? []
    const first = calls[0]
    if (first === undefined || (message.thinkingBlocks?.length ?? 0) > 0) return message
    // Only the turn that answer made: a different set of calls under a reused id gets nothing.
    const entry = entries.recall(first.id, (kept) => kept.calls.length === calls.length && kept.calls.every((call, i) => call.id === calls[i]?.id && call.name === calls[i]?.name))
    return entry === undefined ? message : { ...message, thinkingBlocks: entry.blocks }
  }
}
