import type { GatewayError } from "../errors/gateway-error.ts"
import { isRecord } from "../errors/error-body-status.ts"
import { fromUpstreamError, type UpstreamErrorOptions, type UpstreamErrorResponse } from "../errors/from-upstream-error.ts"

/** Anthropic error types to the HTTP status they come with, for error events inside a stream (which carry none). */
const statusByErrorType: ReadonlyMap<string, number> = new Map([
  ["invalid_request_error", 400],
  ["authentication_error", 401],
  ["billing_error", 402],
  ["permission_error", 403],
  ["not_found_error", 404],
  ["request_too_large", 413],
  ["rate_limit_error", 429],
  ["api_error", 500],
  ["timeout_error", 504],
  ["overloaded_error", 529],
])

/**
 * An Anthropic non-2xx answer (`{"type":"error","error":{"type","message"},"request_id"}`)
 * to a reason, by the shared mapper (its redaction included): overloaded (529, or an
 * `overloaded_error` body under another status) is a retryable 503 with the upstream's
 * retry-after; "prompt is too long" is a context-length error.
 */
export function fromAnthropicError(response: UpstreamErrorResponse, nowMs: number, options: UpstreamErrorOptions = {}): GatewayError {
  const type = errorType(response.body)
  const status = type === "overloaded_error" ? 529 : response.status
  const reason = fromUpstreamError({ ...response, status }, nowMs, options)
  if (reason._tag === "InvalidRequest" && /prompt is too long/i.test(response.body)) {
    return { _tag: "ContextLengthExceeded", message: reason.message, param: "messages" }
  }
  return reason
}

/** The status of an answer that is an Anthropic error (`{"type":"error","error":{type,…}}`, as a 200), from its type; undefined for an answer. */
export function anthropicErrorBodyStatus(answer: unknown): number | undefined {
  if (!isRecord(answer) || answer["type"] !== "error" || !isRecord(answer["error"])) return undefined
  const type = answer["error"]["type"]
  return statusByErrorType.get(typeof type === "string" ? type : "") ?? 500
}

/** An in-stream `error` event's `error` object to a reason, its status derived from the error type. */
export function fromAnthropicStreamError(error: { readonly type?: string | null | undefined }, nowMs: number, options: UpstreamErrorOptions = {}): GatewayError {
  const status = statusByErrorType.get(error.type ?? "") ?? 500
  return fromAnthropicError({ status, body: JSON.stringify({ type: "error", error }), header: () => undefined }, nowMs, options)
}

function errorType(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed !== "object" || parsed === null || !("error" in parsed)) return undefined
    const error: unknown = parsed.error
    if (typeof error !== "object" || error === null || !("type" in error)) return undefined
    return typeof error.type === "string" ? error.type : undefined
  } catch {
    return undefined
  }
}
