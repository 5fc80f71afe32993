import type { TokenUsage } from "../model/types.ts"
import type { Usage, UsageOut } from "../wire/usage.ts"
import { isTokenCount as isCount } from "../model/token-count.ts"

type MutableUsage = { -readonly [K in keyof TokenUsage]: TokenUsage[K] }
type Counted = Exclude<keyof TokenUsage, "raw">

/**
 * Wire usage to TokenUsage; a count the upstream did not give stays absent (not 0).
 * Official spellings win over provider ones when both are present. `raw` is the object
 * as the upstream sent it.
 */
export function usageFromOpenAI(usage: Usage): TokenUsage {
  const out: MutableUsage = {}
  const set = (field: Counted, ...candidates: readonly unknown[]) => {
    const value = candidates.find(isCount)
    if (value !== undefined) out[field] = value
  }
  const prompt = usage.prompt_tokens_details ?? undefined
  const completion = usage.completion_tokens_details ?? undefined
  set("promptTokens", usage.prompt_tokens)
  set("completionTokens", usage.completion_tokens)
  set("totalTokens", usage.total_tokens)
  set("cachedTokens", prompt?.cached_tokens, usage.prompt_cache_hit_tokens, usage.cached_tokens)
  set("cacheMissTokens", usage.prompt_cache_miss_tokens)
  set("cacheWriteTokens", prompt?.cache_write_tokens)
  set("promptTextTokens", prompt?.text_tokens)
  set("promptAudioTokens", prompt?.audio_tokens)
  set("promptImageTokens", prompt?.image_tokens)
  set("reasoningTokens", completion?.reasoning_tokens)
  set("completionTextTokens", completion?.text_tokens)
  set("completionAudioTokens", completion?.audio_tokens)
  set("acceptedPredictionTokens", completion?.accepted_prediction_tokens)
  set("rejectedPredictionTokens", completion?.rejected_prediction_tokens)
  set("sourcesUsed", usage.num_sources_used)
  out.raw = usage
  return out
}

/** Groq puts usage under `x_groq.usage` (sometimes only there), with timings in seconds. */
export function usageFromGroq(usage: Usage & { readonly total_time?: number | null }): TokenUsage {
  const unified = usageFromOpenAI(usage)
  const seconds = usage.total_time
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? { ...unified, latencyMs: seconds * 1000 } : unified
}

/** TokenUsage to wire usage. The total is the upstream's when known (xAI counts reasoning outside prompt + completion). */
export function usageToOpenAI(usage: TokenUsage): UsageOut {
  const prompt = usage.promptTokens ?? 0
  const completion = usage.completionTokens ?? 0
  let out: UsageOut = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.totalTokens ?? prompt + completion }
  const promptDetails = defined({
    cached_tokens: usage.cachedTokens,
    audio_tokens: usage.promptAudioTokens,
    text_tokens: usage.promptTextTokens,
    image_tokens: usage.promptImageTokens,
    cache_write_tokens: usage.cacheWriteTokens,
  })
  const completionDetails = defined({
    reasoning_tokens: usage.reasoningTokens,
    audio_tokens: usage.completionAudioTokens,
    text_tokens: usage.completionTextTokens,
    accepted_prediction_tokens: usage.acceptedPredictionTokens,
    rejected_prediction_tokens: usage.rejectedPredictionTokens,
  })
  if (promptDetails !== undefined) out = { ...out, prompt_tokens_details: promptDetails }
  if (completionDetails !== undefined) out = { ...out, completion_tokens_details: completionDetails }
  return out
}

/** The known counts only; undefined when none is known (the detail object is then left out). */
function defined(counts: Readonly<Record<string, number | undefined>>): { readonly [key: string]: number } | undefined {
  const entries = Object.entries(counts).filter((entry): entry is [string, number] => typeof entry[1] === "number")
  return entries.length === 0 ? undefined : Object.fromEntries(entries)
}
