import type { TokenUsage } from "../model/types.ts"
import { sumReadings } from "../model/token-count.ts"
import { usageCounts } from "../model/usage-counts.ts"

const RAW_KEYS = ["prompt_eval_count", "eval_count", "total_duration", "load_duration", "prompt_eval_duration", "eval_duration"] as const

/**
 * Ollama's counts and timings to TokenUsage: prompt_eval_count is the prompt,
 * eval_count the completion (a figure that is no count is untrusted, see token-count.ts);
 * total_duration (nanoseconds) is the latency in ms. Every `*_duration` stays in `raw`
 * for accounting, and so does each count as it was sent.
 */
export function usageFromOllama(counts: { readonly [K in (typeof RAW_KEYS)[number]]?: unknown }): TokenUsage {
  const usage = usageCounts()
  const prompt = usage.read("promptTokens", counts.prompt_eval_count)
  const completion = usage.read("completionTokens", counts.eval_count)
  if (prompt.kind !== "absent" && completion.kind !== "absent") usage.put("totalTokens", sumReadings([prompt, completion]))
  const raw: Record<string, unknown> = {}
  for (const key of RAW_KEYS) {
    const value = counts[key]
    if (value !== undefined && value !== null) raw[key] = value
  }
  const out = usage.done(raw)
  const total = counts.total_duration
  // Nanoseconds: past the token range after about two seconds, so only checked to be a duration.
  return typeof total === "number" && Number.isSafeInteger(total) && total >= 0 ? { ...out, latencyMs: total / 1e6 } : out
}
