/** Upstream attempts one call may make in all, unless its model's `routing.maxAttempts` says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 3

/**
 * The attempts a call may make: its model's `maxAttempts`, or one when the client says
 * (OpenAI SDKs' `x-stainless-retry-count`) that this call is already its own retry. The
 * client's retries and the gateway's then add up instead of multiplying: an SDK with R
 * retries reaches the upstream at most maxAttempts + R times for one call of its user.
 */
export function attemptBudget(maxAttempts: number, clientRetries: number): number {
  return clientRetries > 0 ? 1 : Math.max(1, maxAttempts)
}
