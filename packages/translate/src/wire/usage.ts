import { Schema } from "effect"

/** Read as sent: the usage mapper decides what is a count (token-count.ts), so a bad figure never fails the answer it came with. */
const Count = Schema.optionalKey(Schema.Unknown)
const Rest = [Schema.Record(Schema.String, Schema.Unknown)] as const

export const PromptTokensDetails = Schema.StructWithRest(Schema.Struct({ cached_tokens: Count, audio_tokens: Count, text_tokens: Count, image_tokens: Count, cache_write_tokens: Count }), Rest)
export const CompletionTokensDetails = Schema.StructWithRest(
  Schema.Struct({
    reasoning_tokens: Count,
    audio_tokens: Count,
    text_tokens: Count,
    accepted_prediction_tokens: Count,
    rejected_prediction_tokens: Count,
  }),
  Rest,
)

/**
 * OpenAI `CompletionUsage` with the provider spellings the gateway reads into the same
 * internal fields (DeepSeek's cache hit/miss, Moonshot's root `cached_tokens`, xAI's
 * `num_sources_used`). Every other key is kept (rest record) for the raw copy.
 */
const usageFields = {
  prompt_tokens: Count,
  completion_tokens: Count,
  total_tokens: Count,
  prompt_tokens_details: Schema.optionalKey(Schema.Unknown),
  completion_tokens_details: Schema.optionalKey(Schema.Unknown),
  prompt_cache_hit_tokens: Count,
  prompt_cache_miss_tokens: Count,
  cached_tokens: Count,
  num_sources_used: Count,
}
export const Usage = Schema.StructWithRest(Schema.Struct(usageFields), Rest)
export type Usage = typeof Usage.Type

/** Groq's `x_groq.usage`: OpenAI's counts plus timings in seconds. */
export const GroqUsage = Schema.StructWithRest(Schema.Struct({ ...usageFields, total_time: Count }), Rest)
export type GroqUsage = typeof GroqUsage.Type

/** What the gateway emits: all three counts, the official details only when known. */
export interface UsageOut {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
  readonly prompt_tokens_details?: {
    readonly cached_tokens?: number
    readonly audio_tokens?: number
    readonly text_tokens?: number
    readonly image_tokens?: number
    readonly cache_write_tokens?: number
  }
  readonly completion_tokens_details?: {
    readonly reasoning_tokens?: number
    readonly audio_tokens?: number
    readonly text_tokens?: number
    readonly accepted_prediction_tokens?: number
    readonly rejected_prediction_tokens?: number
  }
}
