import type { TokenUsage } from "../model/types.ts"
import { tokenCount as count } from "../model/token-count.ts"

/**
 * Ollama's counts and timings to TokenUsage: prompt_eval_count is the prompt,
 * eval_count the completion; total_duration (nanoseconds) is the latency in ms. Every
 * `*_duration` stays in `raw` for accounting.
 */
export function usageFromOllama(counts: {
  readonly prompt_eval_count?: number | null | undefined
  readonly eval_count?: number | null | undefined
  readonly total_duration?: number | null | undefined
  readonly load_duration?: number | null | undefined
  readonly prompt_eval_duration?: number | null | undefined
  readonly eval_duration?: number | null | undefined
}): TokenUsage {
  type Mutable = { -readonly [K in keyof TokenUsage]: TokenUsage[K] }
  const out: Mutable = {}
  const prompt = count(counts.prompt_eval_count)
  const completion = count(counts.eval_count)
  if (prompt !== undefined) out.promptTokens = prompt
  if (completion !== undefined) out.completionTokens = completion
  if (prompt !== undefined && completion !== undefined) out.totalTokens = prompt + completion
  const total = count(counts.total_duration)
  if (total !== undefined) out.latencyMs = total / 1e6
  const raw: Record<string, number> = {}
  for (const key of ["prompt_eval_count", "eval_count", "total_duration", "load_duration", "prompt_eval_duration", "eval_duration"] as const) {
    const value = counts[key]
    if (typeof value === "number") raw[key] = value
  }
  out.raw = raw
  return out
}
