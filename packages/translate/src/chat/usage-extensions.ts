import type { UsageExtension, UsageScalar } from "../model/types.ts"
import { isTokenCount } from "../model/token-count.ts"

/** The official `CompletionUsage` keys: the gateway writes these itself, from validated counts. */
const OFFICIAL_KEYS: ReadonlySet<string> = new Set(["prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"])

export function isOfficialUsageKey(key: string): boolean {
  return OFFICIAL_KEYS.has(key)
}

/**
 * Provider keys that the usage mapper reads as token counts (map-usage.ts): passed on
 * only when the one token-count rule trusts them, so no untrusted count reaches a client.
 */
const COUNT_KEYS: ReadonlySet<string> = new Set(["prompt_cache_hit_tokens", "prompt_cache_miss_tokens", "cached_tokens", "num_sources_used"])

/**
 * An OpenAI-protocol usage object's provider fields, as a direct client of that provider
 * would read them: JSON scalars (finite numbers) and flat objects of them. Nested
 * structures, arrays, nulls and untrusted counts are left out (they stay in `raw` for
 * accounting); undefined when nothing is left.
 */
export function usageExtensions(usage: Readonly<Record<string, unknown>>): Readonly<Record<string, UsageExtension>> | undefined {
  let out: Record<string, UsageExtension> | undefined
  for (const [key, value] of Object.entries(usage)) {
    if (OFFICIAL_KEYS.has(key)) continue
    const kept = COUNT_KEYS.has(key) ? (isTokenCount(value) ? value : undefined) : extensionValue(value)
    if (kept === undefined) continue
    out ??= {}
    // defineProperty keeps a key named "__proto__" as data.
    Object.defineProperty(out, key, { value: kept, enumerable: true, writable: true, configurable: true })
  }
  return out
}

function extensionValue(value: unknown): UsageExtension | undefined {
  if (isScalar(value)) return value
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
  const entries = Object.entries(value)
  if (entries.length === 0 || !entries.every((entry): entry is [string, UsageScalar] => isScalar(entry[1]))) return undefined
  const flat: Record<string, UsageScalar> = {}
  for (const [key, scalar] of entries) Object.defineProperty(flat, key, { value: scalar, enumerable: true, writable: true, configurable: true })
  return flat
}

function isScalar(value: unknown): value is UsageScalar {
  return typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))
}
