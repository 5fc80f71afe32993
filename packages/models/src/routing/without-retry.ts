import { isRetryable, type GatewayError } from "@harper-gateway/translate"

/**
 * A failure as the answer of a call that spent its attempt budget: a retryable one says
 * `x-should-retry: false`, so an SDK does not multiply the gateway's attempts by its own.
 * Reasons that carry no retry advice (the gateway's own) are kept as they are.
 */
export function withoutRetry(reason: GatewayError): GatewayError {
  if (!isRetryable(reason)) return reason
  switch (reason._tag) {
    case "UpstreamError":
      // Without its own message, a refusal would read as "the provider refused the gateway's request".
      return { ...reason, shouldRetry: false, message: reason.message ?? "The model provider returned an error; the gateway has already retried this request." }
    case "InvalidRequest":
    case "ModelNotFound":
    case "Conflict":
    case "RateLimited":
    case "ContextLengthExceeded":
    case "ContentFiltered":
    case "UpstreamTimeout":
    case "UpstreamUnavailable":
      return { ...reason, shouldRetry: false }
    case "UnsupportedMediaType":
    case "Authentication":
    case "PermissionDenied":
    case "NotFound":
    case "MethodNotAllowed":
    case "UnsupportedEndpoint":
    case "PayloadTooLarge":
    case "QuotaExhausted":
    case "Cancelled":
    case "Unavailable":
    case "Internal":
      return reason
    default: {
      const unreachable: never = reason
      return unreachable
    }
  }
}
