import type { TokenUsage } from "../model/types.ts"
import type { Usage, UsageOut } from "../wire/usage.ts"
import { usageCounts } from "../model/usage-counts.ts"
import { isOfficialUsageKey, usageExtensions } from "./usage-extensions.ts"

/**
 * Wire usage to TokenUsage; a count the upstream did not give stays absent (not 0), and
 * one that is no count (see token-count.ts) is left out and named in `untrusted`.
 * Official spellings win over provider ones when both are present. `raw` is the object
 * as the upstream sent it; its provider fields, sanitised, are `extensions`.
 */
export function usageFromOpenAI(usage: Usage): TokenUsage {
  const counts = usageCounts()
  const prompt = record(usage.prompt_tokens_details)
  const completion = record(usage.completion_tokens_details)
  counts.read("promptTokens", usage.prompt_tokens)
  counts.read("completionTokens", usage.completion_tokens)
  counts.read("totalTokens", usage.total_tokens)
  counts.read("cachedTokens", prompt["cached_tokens"], usage.prompt_cache_hit_tokens, usage.cached_tokens)
  counts.read("cacheMissTokens", usage.prompt_cache_miss_tokens)
  counts.read("cacheWriteTokens", prompt["cache_write_tokens"])
  counts.read("promptTextTokens", prompt["text_tokens"])
  counts.read("promptAudioTokens", prompt["audio_tokens"])
  counts.read("promptImageTokens", prompt["image_tokens"])
  counts.read("reasoningTokens", completion["reasoning_tokens"])
  counts.read("completionTextTokens", completion["text_tokens"])
  counts.read("completionAudioTokens", completion["audio_tokens"])
  counts.read("acceptedPredictionTokens", completion["accepted_prediction_tokens"])
  counts.read("rejectedPredictionTokens", completion["rejected_prediction_tokens"])
  counts.read("sourcesUsed", usage.num_sources_used)
  const unified = counts.done(usage)
  const extensions = usageExtensions(usage)
  return extensions === undefined ? unified : { ...unified, extensions }
}

/** A details object read loosely: any other shape there has no counts. */
function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : {}
}

/** Groq puts usage under `x_groq.usage` (sometimes only there), with timings in seconds. */
export function usageFromGroq(usage: Usage & { readonly total_time?: unknown }): TokenUsage {
  const unified = usageFromOpenAI(usage)
  const seconds = usage.total_time
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? { ...unified, latencyMs: seconds * 1000 } : unified
}

/**
 * TokenUsage to wire usage. The total is the upstream's when known (xAI counts reasoning
 * outside prompt + completion). The provider's own fields go out beside the official ones,
 * as a direct client reads them (extra properties are spec-valid), never over one.
 */
export function usageToOpenAI(usage: TokenUsage): UsageOut {
  const prompt = usage.promptTokens ?? 0
  const completion = usage.completionTokens ?? 0
  const provider: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(usage.extensions ?? {})) {
    if (!isOfficialUsageKey(key)) Object.defineProperty(provider, key, { value, enumerable: true, writable: true, configurable: true })
  }
  let out: UsageOut = Object.assign(provider, { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.totalTokens ?? prompt + completion })
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
