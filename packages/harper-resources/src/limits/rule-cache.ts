import type { LimitRule } from "./limit-rule.ts"

/**
 * This thread's copy of the limit rules: reloaded when the process's shared version
 * moves (a change made through any thread's REST endpoint, effective at the next
 * request) and at least every `maxAgeMs` (changes replicated from other nodes).
 */
export function createRuleCache(load: () => Promise<readonly LimitRule[]>, version: () => bigint, maxAgeMs: number, now: () => number): () => Promise<readonly LimitRule[]> {
  let cached: { rules: readonly LimitRule[]; version: bigint; at: number } | undefined
  let loading: Promise<readonly LimitRule[]> | undefined
  return () => {
    const current = version()
    if (cached !== undefined && cached.version === current && now() - cached.at < maxAgeMs) return Promise.resolve(cached.rules)
    loading ??= load()
      .then((rules) => {
        cached = { rules, version: current, at: now() }
        return rules
      })
      .finally(() => {
        loading = undefined
      })
    return loading
  }
}
