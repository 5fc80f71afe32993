import type { TokenUsage } from "../model/types.ts"

/** Embedding calls count only input tokens; OpenAI reports them as prompt and total alike. */
export function usageToEmbeddingsUsage(usage: TokenUsage | undefined): { prompt_tokens: number; total_tokens: number } {
  const prompt = usage?.embeddingTokens ?? usage?.promptTokens ?? 0
  return { prompt_tokens: prompt, total_tokens: usage?.totalTokens ?? prompt }
}

export function usageFromEmbeddingsUsage(usage: { readonly prompt_tokens?: number; readonly total_tokens?: number }): TokenUsage {
  let out: TokenUsage = {}
  const prompt = usage.prompt_tokens ?? usage.total_tokens
  if (prompt !== undefined) out = { ...out, promptTokens: prompt, embeddingTokens: prompt }
  if (usage.total_tokens !== undefined) out = { ...out, totalTokens: usage.total_tokens }
  return out
}
