export interface BackoffPolicy {
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff And Jitter): a uniformly random
 * wait in [0, min(max, base·2^retry)). Spreading retries over the whole range keeps many
 * callers that failed together from coming back together. `random` is in [0, 1).
 */
export function fullJitterDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  // 2^retry overflows to Infinity for huge retries; min() keeps the cap.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry)
  return random() * ceiling
}
