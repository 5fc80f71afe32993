import type { GatewayError } from "./gateway-error.ts"
import { parseRetryAfter } from "./parse-retry-after.ts"
import { redactSecrets } from "./redact-secrets.ts"

export interface UpstreamErrorResponse {
  readonly status: number
  /** The response body as text (JSON or not). */
  readonly body: string
  readonly header: (name: string) => string | null | undefined
}

interface UpstreamErrorFields {
  readonly message: string | undefined
  readonly type: string | undefined
  readonly code: string | undefined
  readonly param: string | undefined
}

/**
 * Maps an upstream's non-2xx answer to a reason. The upstream's status decides the
 * class; its body's `code`/`type` refine it (quota vs rate limit, context length,
 * content filter). Messages about the client's own request pass through, redacted;
 * anything about the gateway's credentials or the provider's health does not.
 */
export function fromUpstreamError(response: UpstreamErrorResponse, nowMs: number): GatewayError {
  const fields = readErrorFields(response.body)
  const code = fields.code
  const type = fields.type
  const message = fields.message === undefined ? undefined : redactSecrets(fields.message)
  const status = response.status

  if (status === 429) {
    if (code === "insufficient_quota" || type === "insufficient_quota") {
      return message === undefined ? { _tag: "QuotaExhausted" } : { _tag: "QuotaExhausted", message }
    }
    const retryAfterMs = parseRetryAfter(response.header, nowMs)
    return retryAfterMs === undefined ? { _tag: "RateLimited" } : { _tag: "RateLimited", retryAfterMs }
  }
  if (status === 503 || status === 529) {
    const retryAfterMs = parseRetryAfter(response.header, nowMs)
    return retryAfterMs === undefined ? { _tag: "UpstreamUnavailable" } : { _tag: "UpstreamUnavailable", retryAfterMs }
  }
  if (status === 504 || status === 408) return { _tag: "UpstreamTimeout", phase: "total" }
  if (status >= 500) return { _tag: "UpstreamError", upstreamStatus: status }
  // The gateway's own provider credentials or entitlements failed: not the client's doing.
  if (status === 401) return { _tag: "UpstreamError", upstreamStatus: status, code: "upstream_authentication_failed" }
  if (status === 403) return { _tag: "UpstreamError", upstreamStatus: status, code: "upstream_permission_denied" }
  if (status === 404) {
    if (code === "model_not_found" || (message !== undefined && /\bmodel\b/i.test(message))) return { _tag: "ModelNotFound", model: null }
    return { _tag: "UpstreamError", upstreamStatus: status, code: "upstream_not_found" }
  }
  if (status === 409) return { _tag: "Conflict", message: message ?? "The request conflicts with the provider's state." }
  if (status === 413) return { _tag: "InvalidRequest", message: message ?? "The request is too large for the model provider.", param: fields.param ?? null, code: code ?? "request_too_large" }
  if (code === "context_length_exceeded" || (message !== undefined && /context length|context window|maximum context|too many tokens/i.test(message))) {
    return { _tag: "ContextLengthExceeded", message: message ?? "The request exceeds the model's context length.", param: fields.param ?? "messages" }
  }
  if (code === "content_filter" || code === "content_policy_violation") {
    return message === undefined ? { _tag: "ContentFiltered" } : { _tag: "ContentFiltered", message }
  }
  return {
    _tag: "InvalidRequest",
    message: message ?? `The model provider rejected the request (HTTP ${status}).`,
    param: fields.param ?? null,
    code: code ?? null,
  }
}

/** OpenAI `{error:{…}}`, a flat `{message,…}`, `{error:"text"}`, a one-element array of those, or plain text. */
function readErrorFields(body: string): UpstreamErrorFields {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    const text = body.trim()
    return { message: text === "" ? undefined : text.slice(0, 500), type: undefined, code: undefined, param: undefined }
  }
  const root = Array.isArray(parsed) ? parsed[0] : parsed
  if (!isRecord(root)) return { message: undefined, type: undefined, code: undefined, param: undefined }
  const inner = root["error"]
  if (typeof inner === "string") return { message: inner, type: stringField(root, "type"), code: stringField(root, "code"), param: undefined }
  const source = isRecord(inner) ? inner : root
  return {
    message: stringField(source, "message"),
    type: stringField(source, "type"),
    code: stringField(source, "code"),
    param: stringField(source, "param"),
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key]
  if (typeof value === "string") return value
  if (typeof value === "number") return String(value)
  return undefined
}
