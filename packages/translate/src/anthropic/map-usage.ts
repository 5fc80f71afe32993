import type { TokenUsage } from "../model/types.ts"
import type { AnthropicUsage } from "./wire.ts"
import { tokenCount as count } from "../model/token-count.ts"

/**
 * Anthropic usage to TokenUsage. Anthropic's input_tokens excludes cached tokens, so the
 * prompt is input + cache_read + cache_creation; cache reads are the cached tokens and
 * cache creation the cache writes (those kept for an hour counted apart, for their price).
 * Counts the upstream did not give stay absent.
 */
export function usageFromAnthropic(usage: AnthropicUsage): TokenUsage {
  type Mutable = { -readonly [K in keyof TokenUsage]: TokenUsage[K] }
  const out: Mutable = {}
  const input = count(usage.input_tokens)
  const read = count(usage.cache_read_input_tokens)
  const written = count(usage.cache_creation_input_tokens)
  const output = count(usage.output_tokens)
  if (input !== undefined) out.promptTokens = input + (read ?? 0) + (written ?? 0)
  if (output !== undefined) out.completionTokens = output
  if (out.promptTokens !== undefined && output !== undefined) out.totalTokens = out.promptTokens + output
  if (read !== undefined) out.cachedTokens = read
  if (written !== undefined) out.cacheWriteTokens = written
  const writtenForAnHour = count(oneHourWrites(usage["cache_creation"]))
  if (writtenForAnHour !== undefined) out.cacheWrite1hTokens = writtenForAnHour
  out.raw = usage
  return out
}

/** `cache_creation.ephemeral_1h_input_tokens`, read loosely: an odd shape there must not fail the answer. */
function oneHourWrites(cacheCreation: unknown): unknown {
  return typeof cacheCreation === "object" && cacheCreation !== null ? Reflect.get(cacheCreation, "ephemeral_1h_input_tokens") : undefined
}
