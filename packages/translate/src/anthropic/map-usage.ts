import type { TokenUsage } from "../model/types.ts"
import type { AnthropicUsage } from "./wire.ts"
import { readTokenCount, sumReadings } from "../model/token-count.ts"
import { usageCounts } from "../model/usage-counts.ts"

/**
 * Anthropic usage to TokenUsage. Anthropic's input_tokens excludes cached tokens, so the
 * prompt is input + cache_read + cache_creation; cache reads are the cached tokens and
 * cache creation the cache writes (those kept for an hour counted apart, for their price).
 * `output_tokens_details.thinking_tokens` are the reasoning tokens: a part of output_tokens
 * (as OpenAI's reasoning_tokens are of completion_tokens), never added to it.
 * Counts the upstream did not give stay absent; a prompt with any part that is no count is
 * untrusted (token-count.ts), and so is a total made from an untrusted part.
 */
export function usageFromAnthropic(usage: AnthropicUsage): TokenUsage {
  const counts = usageCounts()
  const input = readTokenCount(usage.input_tokens)
  const read = counts.read("cachedTokens", usage.cache_read_input_tokens)
  const written = counts.read("cacheWriteTokens", usage.cache_creation_input_tokens)
  const output = counts.read("completionTokens", usage.output_tokens)
  // The prompt is only known when input_tokens was sent; the cache parts alone are not a prompt.
  const prompt = input.kind === "absent" ? input : sumReadings([input, read, written])
  counts.put("promptTokens", prompt)
  if (prompt.kind !== "absent" && output.kind !== "absent") counts.put("totalTokens", sumReadings([prompt, output]))
  counts.read("cacheWrite1hTokens", oneHourWrites(usage["cache_creation"]))
  counts.read("reasoningTokens", thinkingTokens(usage["output_tokens_details"]))
  return counts.done(usage)
}

/** `cache_creation.ephemeral_1h_input_tokens`, read loosely: an odd shape there must not fail the answer. */
function oneHourWrites(cacheCreation: unknown): unknown {
  return typeof cacheCreation === "object" && cacheCreation !== null ? Reflect.get(cacheCreation, "ephemeral_1h_input_tokens") : undefined
}

/** `output_tokens_details.thinking_tokens`, read loosely like the one-hour writes. */
function thinkingTokens(details: unknown): unknown {
  return typeof details === "object" && details !== null ? Reflect.get(details, "thinking_tokens") : undefined
}
