import { isRetryable, type GatewayError } from "@harper-gateway/translate"
import { fullJitterDelayMs, type BackoffPolicy } from "./backoff.ts"

export interface RetryPolicy extends BackoffPolicy {
  /** Retries after the first attempt on one logical model (its deployments share them). */
  readonly max: number
  /** The longest upstream `retry-after` waited for; a longer one ends the retries on that model. */
  readonly maxRetryAfterMs: number
}

/** Harper 5's backend retry defaults (fetchWithRetry): 2 retries, 500 ms doubling, 10 s cap, retry-after up to 30 s. */
export const DEFAULT_RETRIES: RetryPolicy = { max: 2, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 30_000 }

/** Refusals that another model may not share: tried on the next fallback when the model's config asks. */
export interface FallbackOn {
  readonly contextLengthExceeded: boolean
  readonly contentFilter: boolean
}

/**
 * What a failed attempt leads to.
 * - `retry`: the upstream may answer if asked again (translate's one rule, `isRetryable`:
 *   connect errors, timeouts, 408, 409, 429 but not insufficient_quota, 5xx, 529, unless
 *   the upstream said `x-should-retry: false`); retried, then the fallbacks. It says the
 *   deployment is unwell (it counts toward its cooldown).
 * - `deployment`: this deployment cannot serve anyone (its key refused, 401/403, or its
 *   upstream does not know the model id): another deployment, then the fallbacks, are tried
 *   at once, and it counts toward the cooldown.
 * - `fallback`: this model refused, another may not.
 * - `stop`: the answer is the client's. Among them, what the call itself caused, which says
 *   nothing of the deployment: its own total deadline (a huge generation: the deadline
 *   says `shouldRetry: false`), and an internal failure (the gateway's, not the upstream's).
 */
export function failureClass(error: GatewayError, fallbackOn: FallbackOn): "retry" | "deployment" | "fallback" | "stop" {
  switch (error._tag) {
    case "Cancelled":
    case "Internal":
      return "stop"
    case "ModelNotFound":
      // Inside an attempt this is the upstream's answer: the gateway resolved the model before.
      return "deployment"
    case "UpstreamError":
      if (error.code === "upstream_authentication_failed" || error.code === "upstream_permission_denied") return "deployment"
      break
    default:
      break
  }
  if (isRetryable(error)) return "retry"
  if (error._tag === "ContextLengthExceeded" && fallbackOn.contextLengthExceeded) return "fallback"
  if (error._tag === "ContentFiltered" && fallbackOn.contentFilter) return "fallback"
  return "stop"
}

/**
 * The wait before retry number `retry` (0-based): the upstream's retry-after when it gave
 * one, else full-jitter backoff. Undefined when the upstream asks for more than
 * `maxRetryAfterMs`: retrying sooner than asked would only be refused again.
 */
export function retryDelayMs(error: GatewayError, retry: number, policy: RetryPolicy, random: () => number): number | undefined {
  const hinted = "retryAfterMs" in error ? error.retryAfterMs : undefined
  if (hinted === undefined) return fullJitterDelayMs(retry, policy, random)
  return hinted <= policy.maxRetryAfterMs ? hinted : undefined
}
