import type { TokenUsage } from "../model/types.ts"
import type { Usage, UsageOut } from "../wire/usage.ts"

type MutableUsage = { -readonly [K in keyof TokenUsage]: TokenUsage[K] }

/** Wire usage to TokenUsage; a count the upstream did not give stays absent (not 0). */
export function usageFromOpenAI(usage: Usage): TokenUsage {
  const out: MutableUsage = {}
  if (isCount(usage.prompt_tokens)) out.promptTokens = usage.prompt_tokens
  if (isCount(usage.completion_tokens)) out.completionTokens = usage.completion_tokens
  if (isCount(usage.total_tokens)) out.totalTokens = usage.total_tokens
  const cached = usage.prompt_tokens_details?.cached_tokens
  if (isCount(cached)) out.cachedTokens = cached
  const reasoning = usage.completion_tokens_details?.reasoning_tokens
  if (isCount(reasoning)) out.reasoningTokens = reasoning
  return out
}

/** TokenUsage to wire usage. The total is the upstream's when known (xAI counts reasoning outside prompt + completion). */
export function usageToOpenAI(usage: TokenUsage): UsageOut {
  const prompt = usage.promptTokens ?? 0
  const completion = usage.completionTokens ?? 0
  let out: UsageOut = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.totalTokens ?? prompt + completion }
  if (usage.cachedTokens !== undefined) out = { ...out, prompt_tokens_details: { cached_tokens: usage.cachedTokens } }
  if (usage.reasoningTokens !== undefined) out = { ...out, completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }
  return out
}

/** Only finite non-negative integers count; NaN or negatives from a backend would poison sums. */
function isCount(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0
}
