import type { TokenUsage } from "../model/types.ts"
import type { GeminiUsageMetadata } from "./wire.ts"
import { readTokenCount, sumReadings } from "../model/token-count.ts"
import { usageCounts } from "../model/usage-counts.ts"

/**
 * Gemini usageMetadata to TokenUsage. Gemini counts thoughts outside
 * candidatesTokenCount; OpenAI's completion tokens include reasoning, so completion is
 * candidates + thoughts (untrusted when either is no count, see token-count.ts) and the
 * thoughts are the reasoning tokens. The total is Gemini's own (it also counts tool-use
 * prompt tokens). cachedContentTokenCount is the cached part of the prompt.
 */
export function usageFromGemini(usage: GeminiUsageMetadata): TokenUsage {
  const counts = usageCounts()
  counts.read("promptTokens", usage.promptTokenCount)
  const thoughts = counts.read("reasoningTokens", usage.thoughtsTokenCount)
  counts.read("totalTokens", usage.totalTokenCount)
  counts.read("cachedTokens", usage.cachedContentTokenCount)
  counts.put("completionTokens", sumReadings([readTokenCount(usage.candidatesTokenCount), thoughts]))
  return counts.done(usage)
}
