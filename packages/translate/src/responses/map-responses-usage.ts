import type { TokenUsage } from "../model/types.ts"
import type { ResponseUsageOut } from "../wire/responses-out.ts"
import { usageCounts } from "../model/usage-counts.ts"

/**
 * TokenUsage as the spec's ResponseUsage. The spec requires every count and both
 * detail objects, so a count the backend did not report is sent as 0 (the unified and
 * raw values stay in the internal result and the accounting row). The total is the
 * upstream's when known, as for chat.
 */
export function usageToResponses(usage: TokenUsage): ResponseUsageOut {
  const input = usage.promptTokens ?? 0
  const output = usage.completionTokens ?? 0
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cachedTokens ?? 0, cache_write_tokens: usage.cacheWriteTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.totalTokens ?? input + output,
  }
}

/** An upstream's Responses usage (any shape it sent) to TokenUsage; absent counts stay absent, bad ones are untrusted (token-count.ts), `raw` keeps the object. */
export function usageFromResponses(usage: Readonly<Record<string, unknown>>): TokenUsage {
  const counts = usageCounts()
  const inputDetails = record(usage["input_tokens_details"])
  const outputDetails = record(usage["output_tokens_details"])
  counts.read("promptTokens", usage["input_tokens"])
  counts.read("completionTokens", usage["output_tokens"])
  counts.read("totalTokens", usage["total_tokens"])
  counts.read("cachedTokens", inputDetails["cached_tokens"])
  counts.read("cacheWriteTokens", inputDetails["cache_write_tokens"])
  counts.read("reasoningTokens", outputDetails["reasoning_tokens"])
  return counts.done(usage)
}

function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : {}
}
