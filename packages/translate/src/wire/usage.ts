import { Schema } from "effect"

const Count = Schema.optionalKey(Schema.NullOr(Schema.Number))

/**
 * OpenAI `CompletionUsage`. Upstreams add their own keys (DeepSeek's
 * `prompt_cache_hit_tokens`, xAI's `num_sources_used`): they are read past, not kept.
 */
export const Usage = Schema.Struct({
  prompt_tokens: Count,
  completion_tokens: Count,
  total_tokens: Count,
  prompt_tokens_details: Schema.optionalKey(Schema.NullOr(Schema.Struct({ cached_tokens: Count }))),
  completion_tokens_details: Schema.optionalKey(Schema.NullOr(Schema.Struct({ reasoning_tokens: Count }))),
})
export type Usage = typeof Usage.Type

/** What the gateway emits: all three counts, details only when known. */
export interface UsageOut {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
  readonly prompt_tokens_details?: { readonly cached_tokens: number }
  readonly completion_tokens_details?: { readonly reasoning_tokens: number }
}
