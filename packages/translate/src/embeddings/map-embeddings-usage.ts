import type { TokenUsage, UsageCount } from "../model/types.ts"
import type { TokenReading } from "../model/token-count.ts"
import { usageCounts } from "../model/usage-counts.ts"

/** Embedding calls count only input tokens; OpenAI reports them as prompt and total alike. */
export function usageToEmbeddingsUsage(usage: TokenUsage | undefined): { prompt_tokens: number; total_tokens: number } {
  const prompt = usage?.embeddingTokens ?? usage?.promptTokens ?? 0
  return { prompt_tokens: prompt, total_tokens: usage?.totalTokens ?? prompt }
}

/** OpenAI's embeddings usage; a figure that is no count is untrusted (token-count.ts), kept in `raw`. */
export function usageFromEmbeddingsUsage(usage: { readonly prompt_tokens?: unknown; readonly total_tokens?: unknown } & Readonly<Record<string, unknown>>): TokenUsage {
  const counts = usageCounts()
  counts.read("promptTokens", usage.prompt_tokens, usage.total_tokens)
  counts.read("embeddingTokens", usage.prompt_tokens, usage.total_tokens)
  counts.read("totalTokens", usage.total_tokens)
  return counts.done(usage)
}

const EMBEDDING_COUNTS: readonly UsageCount[] = ["promptTokens", "embeddingTokens", "totalTokens"]

/** An embedding call's one count (its input) as prompt, embedding and total tokens alike, untrusted all three when it is. */
export function embeddingUsage(reading: TokenReading, raw: Readonly<Record<string, unknown>>): TokenUsage {
  const counts = usageCounts()
  for (const field of EMBEDDING_COUNTS) counts.put(field, reading)
  return counts.done(raw)
}
