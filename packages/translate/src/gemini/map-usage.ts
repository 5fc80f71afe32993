import type { TokenUsage } from "../model/types.ts"
import type { GeminiUsageMetadata } from "./wire.ts"
import { tokenCount as count } from "../model/token-count.ts"

/**
 * Gemini usageMetadata to TokenUsage. Gemini counts thoughts outside
 * candidatesTokenCount; OpenAI's completion tokens include reasoning, so completion is
 * candidates + thoughts and the thoughts are the reasoning tokens. The total is
 * Gemini's own (it also counts tool-use prompt tokens). cachedContentTokenCount is the
 * cached part of the prompt.
 */
export function usageFromGemini(usage: GeminiUsageMetadata): TokenUsage {
  type Mutable = { -readonly [K in keyof TokenUsage]: TokenUsage[K] }
  const out: Mutable = {}
  const prompt = count(usage.promptTokenCount)
  const candidates = count(usage.candidatesTokenCount)
  const thoughts = count(usage.thoughtsTokenCount)
  const total = count(usage.totalTokenCount)
  const cached = count(usage.cachedContentTokenCount)
  if (prompt !== undefined) out.promptTokens = prompt
  if (candidates !== undefined || thoughts !== undefined) out.completionTokens = (candidates ?? 0) + (thoughts ?? 0)
  if (total !== undefined) out.totalTokens = total
  if (thoughts !== undefined) out.reasoningTokens = thoughts
  if (cached !== undefined) out.cachedTokens = cached
  out.raw = usage
  return out
}
