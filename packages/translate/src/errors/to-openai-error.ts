import type { GatewayError, UpstreamTimeoutPhase } from "./gateway-error.ts"

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 499 | 500 | 502 | 503 | 504

export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string
    readonly type: string
    readonly code: string | null
    readonly param: string | null
  }
}

export interface OpenAIErrorResponse {
  readonly status: ErrorStatus
  readonly body: OpenAIErrorBody
  readonly headers: Readonly<Record<string, string>>
}

/** When an upstream gave no hint, a short wait that every client honours (all accept <= 60 s). */
const DEFAULT_RETRY_AFTER_MS = 1_000

/**
 * Total: every reason gives a status, an OpenAI error envelope and its headers. Whether
 * a client should retry is said with `x-should-retry` wherever the reason knows it
 * (the OpenAI SDK obeys it before its own status rules).
 */
export function toOpenAIError(error: GatewayError): OpenAIErrorResponse {
  const response = envelope(error)
  const shouldRetry = "shouldRetry" in error ? error.shouldRetry : undefined
  return shouldRetry === undefined ? response : { ...response, headers: { ...response.headers, "x-should-retry": String(shouldRetry) } }
}

function envelope(error: GatewayError): OpenAIErrorResponse {
  switch (error._tag) {
    case "InvalidRequest":
      return make(error.status ?? 400, error.message, "invalid_request_error", error.code ?? null, error.param ?? null)
    case "UnsupportedMediaType":
      return make(415, `Unsupported Content-Type ${error.contentType === null ? "(none)" : JSON.stringify(error.contentType)}: send application/json.`, "invalid_request_error", "unsupported_media_type", null)
    case "Authentication":
      return make(401, authenticationMessage(error.kind), "authentication_error", "invalid_api_key", null)
    case "PermissionDenied":
      return make(403, error.message ?? "You are not allowed to use this gateway.", "permission_error", "permission_denied", null)
    case "NotFound":
      return make(404, `Invalid URL (${error.method} ${error.path})`, "invalid_request_error", "not_found", null)
    case "MethodNotAllowed":
      return make(405, `Method ${error.method} is not allowed on ${error.path}; use ${error.allowed.join(" or ")}.`, "invalid_request_error", "method_not_allowed", null, { allow: error.allowed.join(", ") })
    case "UnsupportedEndpoint":
      return make(400, `The model ${JSON.stringify(error.model)} does not support the ${error.endpoint} endpoint.`, "invalid_request_error", "unsupported_endpoint", "model")
    case "ModelNotFound":
      return make(
        404,
        error.model === null ? "The model does not exist or you do not have access to it." : `The model ${JSON.stringify(error.model)} does not exist or you do not have access to it.`,
        "invalid_request_error",
        "model_not_found",
        "model",
      )
    case "Conflict":
      return make(409, error.message, "invalid_request_error", "conflict", null)
    case "PayloadTooLarge":
      return make(413, `Request body exceeds the limit of ${error.limitBytes} bytes.`, "invalid_request_error", "request_too_large", null)
    case "RateLimited":
      return make(429, error.message ?? "Rate limit reached. Please retry after the delay given in the retry-after header.", "rate_limit_error", "rate_limit_exceeded", null, retryAfterHeaders(error.retryAfterMs))
    case "QuotaExhausted":
      // insufficient_quota stops LangChain and the OpenAI SDK from retrying pointlessly.
      return make(429, error.message ?? "You exceeded your current quota.", "insufficient_quota", "insufficient_quota", null, {
        "x-should-retry": "false",
      })
    case "ContextLengthExceeded":
      return make(400, error.message, "invalid_request_error", "context_length_exceeded", error.param ?? "messages")
    case "ContentFiltered":
      return make(400, error.message ?? "The request was rejected by the content filter.", "invalid_request_error", "content_filter", null)
    case "UpstreamError":
      return make(502, error.message ?? (error.shouldRetry === false ? "The model provider refused the gateway's request." : "The model provider returned an error. Please retry."), "server_error", error.code ?? "upstream_error", null)
    case "UpstreamTimeout":
      return make(504, `The model provider did not respond in time (${timeoutPhase(error.phase)}).`, "server_error", "upstream_timeout", null)
    case "UpstreamUnavailable":
      return make(503, error.message ?? "The model provider is unavailable. Please retry after the delay given in the retry-after header.", "server_error", "upstream_unavailable", null, retryAfterHeaders(error.retryAfterMs))
    case "Cancelled":
      return make(499, "The request was cancelled by the client.", "invalid_request_error", "cancelled", null)
    case "Unavailable":
      return make(503, "The gateway is temporarily unavailable. Please retry after the delay given in the retry-after header.", "server_error", "service_unavailable", null, retryAfterHeaders(undefined))
    case "Internal":
      return make(500, "The gateway had an internal error. Please retry.", "server_error", "internal_error", null)
    default: {
      const unreachable: never = error
      return unreachable
    }
  }

  function make(status: ErrorStatus, message: string, type: string, code: string | null, param: string | null, headers: Record<string, string> = {}): OpenAIErrorResponse {
    // An upstream may send an empty message; a client always gets a sentence.
    const text = message.trim() === "" ? `The request failed with HTTP status ${status}.` : message
    return { status, body: { error: { message: text, type, code, param } }, headers }
  }
}

function authenticationMessage(kind: "missing" | "malformed" | "invalid" | "expired"): string {
  switch (kind) {
    case "missing":
      return "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' (or use Basic auth with a Harper user)."
    case "malformed":
      return "The Authorization header is malformed. Use 'Authorization: Bearer <key>' or 'Authorization: Basic <credentials>'."
    case "invalid":
      return "Incorrect API key or credentials provided."
    case "expired":
      return "The token has expired. Create a new token or use a gateway API key."
    default: {
      const unreachable: never = kind
      return unreachable
    }
  }
}

function timeoutPhase(phase: UpstreamTimeoutPhase): string {
  switch (phase) {
    case "connect":
      return "connecting"
    case "first_byte":
      return "waiting for the first byte"
    case "idle":
      return "the stream stalled"
    case "body":
      return "the answer arrived too slowly"
    case "total":
      return "the request took too long"
    default: {
      const unreachable: never = phase
      return unreachable
    }
  }
}

/**
 * Both headers: LangChain reads only `retry-after` (seconds); the OpenAI and AI SDKs
 * prefer `retry-after-ms`. An upstream's long delay is passed on as it was, not cut to
 * 60 s: the SDKs ignore values over 60 s and use their own short backoff, as they would
 * have against the provider directly.
 */
function retryAfterHeaders(retryAfterMs: number | undefined): Record<string, string> {
  const ms = Math.max(Math.ceil(retryAfterMs ?? DEFAULT_RETRY_AFTER_MS), 0)
  return { "retry-after": String(Math.ceil(ms / 1000)), "retry-after-ms": String(ms) }
}
