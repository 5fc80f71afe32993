import { Schema } from "effect"

/**
 * LiteLLM's `thinking_blocks` extension on an assistant message (and on a stream
 * delta): a provider's signed reasoning, kept whole so a client can send it back with
 * the next turn. Not in the OpenAI spec; the spec's assistant messages and deltas allow
 * additional properties, so the extension stays valid against it.
 */
export const ThinkingBlockWire = Schema.Union([
  Schema.Struct({ type: Schema.Literal("thinking"), thinking: Schema.String, signature: Schema.String }),
  Schema.Struct({ type: Schema.Literal("redacted_thinking"), data: Schema.String }),
]).annotate({ expected: 'a thinking block ({type: "thinking", thinking, signature} or {type: "redacted_thinking", data})' })
export type ThinkingBlockWire = typeof ThinkingBlockWire.Type
