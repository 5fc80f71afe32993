import type { GatewayError } from "./gateway-error.ts"
import { parseRetryAfter } from "./parse-retry-after.ts"
import { redactForClient } from "./redact-for-client.ts"
import { redactSecrets } from "./redact-secrets.ts"

export interface UpstreamErrorResponse {
  readonly status: number
  /** The response body as text (JSON or not), already cut to the backend's error-body limit. */
  readonly body: string
  readonly header: (name: string) => string | null | undefined
}

export interface UpstreamErrorOptions {
  /** Whether an upstream's machine-written error message may reach the client (redacted). Default true. */
  readonly exposeMessage?: boolean
}

interface UpstreamErrorFields {
  readonly message: string | undefined
  readonly type: string | undefined
  readonly code: string | undefined
  readonly param: string | undefined
}

/** A provider's sentence for an API client is short; anything longer is a dump. */
const MAX_CLIENT_MESSAGE = 1_000
/** How much of an error body the log and the accounting row keep. */
const MAX_DETAIL = 8_192

/**
 * Maps an upstream's non-2xx answer to a reason. The upstream's status decides the
 * class; its body's `code`/`type` refine it (quota vs rate limit, context length,
 * content filter). Only a message from a JSON error body (written for API clients) may
 * reach the client, redacted of credentials, URLs, hosts and addresses; HTML, plain
 * text and stack traces never do: the client gets the gateway's sentence for the status
 * and the text goes to `upstreamErrorDetail` for the operator.
 */
export function fromUpstreamError(response: UpstreamErrorResponse, nowMs: number, options: UpstreamErrorOptions = {}): GatewayError {
  const fields = readErrorFields(response.body)
  const code = fields.code
  const type = fields.type
  const message = options.exposeMessage === false ? undefined : clientMessage(fields.message)
  const shouldRetry = readShouldRetry(response.header("x-should-retry"))
  const retry = shouldRetry === undefined ? {} : { shouldRetry }
  const status = response.status
  if (status === 429) {
    if (code === "insufficient_quota" || type === "insufficient_quota") {
      return message === undefined ? { _tag: "QuotaExhausted" } : { _tag: "QuotaExhausted", message }
    }
    const retryAfterMs = parseRetryAfter(response.header, nowMs)
    return { _tag: "RateLimited", ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...(message === undefined ? {} : { message }), ...retry }
  }
  if (status === 503 || status === 529) {
    const retryAfterMs = parseRetryAfter(response.header, nowMs)
    return { _tag: "UpstreamUnavailable", ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...(message === undefined ? {} : { message }), ...retry }
  }
  if (status === 504 || status === 408) return { _tag: "UpstreamTimeout", phase: "total", ...retry }
  if (status >= 500) return { _tag: "UpstreamError", upstreamStatus: status, ...(message === undefined ? {} : { message }), ...retry }
  // The gateway's own provider credentials or entitlements failed: not the client's doing, and retrying will not help.
  if (status === 401) return { _tag: "UpstreamError", upstreamStatus: status, code: "upstream_authentication_failed", shouldRetry: false }
  if (status === 403) return { _tag: "UpstreamError", upstreamStatus: status, code: "upstream_permission_denied", shouldRetry: false }
  if (status === 404 && (code === "model_not_found" || (fields.message !== undefined && /\bmodel\b/i.test(fields.message)))) {
    return { _tag: "ModelNotFound", model: null, ...retry }
  }
  if (status === 409) return { _tag: "Conflict", message: message ?? "The request conflicts with the provider's state.", ...retry }
  if (code === "context_length_exceeded" || (fields.message !== undefined && /context length|context window|maximum context|too many tokens/i.test(fields.message))) {
    return { _tag: "ContextLengthExceeded", message: message ?? "The request exceeds the model's context length.", param: fields.param ?? "messages", ...retry }
  }
  if (code === "content_filter" || code === "content_policy_violation") {
    return { _tag: "ContentFiltered", ...(message === undefined ? {} : { message }), ...retry }
  }
  const kept = keptStatus(status)
  return {
    _tag: "InvalidRequest",
    message: message ?? `The model provider rejected the request (HTTP ${status}).`,
    param: fields.param ?? null,
    code: code ?? (status === 413 ? "request_too_large" : status === 404 ? "not_found" : null),
    ...(kept === undefined ? {} : { status: kept }),
    ...retry,
  }
}

/** The upstream's error body for the operator's log and the accounting row: credentials removed, cut to a few KiB. */
export function upstreamErrorDetail(status: number, body: string): string {
  const text = body.length > MAX_DETAIL ? `${body.slice(0, MAX_DETAIL)}…` : body
  return `HTTP ${status}: ${redactSecrets(text)}`
}

/** Client-side statuses other than 400 that say something a client acts on (not found, too large, unprocessable). */
function keptStatus(status: number): 404 | 413 | 422 | undefined {
  switch (status) {
    case 404:
    case 413:
    case 422:
      return status
    default:
      return undefined
  }
}

function clientMessage(message: string | undefined): string | undefined {
  if (message === undefined) return undefined
  // A stack trace in a JSON message is still a dump of the provider's internals.
  if (/Traceback \(most recent call last\)|\n\s+at \S|\.py", line \d+|Exception in thread|<html|<!doctype/i.test(message)) return undefined
  const redacted = redactForClient(message.slice(0, MAX_CLIENT_MESSAGE * 2)).trim()
  if (redacted === "") return undefined
  return redacted.length > MAX_CLIENT_MESSAGE ? `${redacted.slice(0, MAX_CLIENT_MESSAGE)}…` : redacted
}

function readShouldRetry(value: string | null | undefined): boolean | undefined {
  if (value === "true") return true
  if (value === "false") return false
  return undefined
}

/** OpenAI `{error:{…}}`, a flat `{message,…}`, `{error:"text"}`, or a one-element array of those. Plain text gives no fields. */
function readErrorFields(body: string): UpstreamErrorFields {
  const none = { message: undefined, type: undefined, code: undefined, param: undefined }
  const root = errorBodyRoot(body)
  if (!isRecord(root)) return none
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

/** An error body's JSON, unwrapped from the one-element array some providers (Google) send; undefined for plain text. */
export function errorBodyRoot(body: string): unknown {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  return Array.isArray(parsed) ? parsed[0] : parsed
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
