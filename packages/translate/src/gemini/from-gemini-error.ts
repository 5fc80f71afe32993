import type { GatewayError } from "../errors/gateway-error.ts"
import { isErrorStatus, isRecord } from "../errors/error-body-status.ts"
import { errorBodyRoot, fromUpstreamError, type UpstreamErrorOptions, type UpstreamErrorResponse } from "../errors/from-upstream-error.ts"

/**
 * A Gemini non-2xx answer (`{"error":{"code","message","status","details"}}`) to a
 * reason, by the shared mapper (its redaction included). Gemini gives its retry hint
 * in the body (`google.rpc.RetryInfo.retryDelay`, e.g. "34.4s") rather than a header:
 * it is read as retry-after-ms when no header says otherwise. An input over the
 * model's token limit is a context-length error.
 */
export function fromGeminiError(response: UpstreamErrorResponse, nowMs: number, options: UpstreamErrorOptions = {}): GatewayError {
  const retryDelayMs = readRetryDelayMs(response.body)
  const header = (name: string) => {
    const value = response.header(name)
    if (value != null) return value
    return name === "retry-after-ms" && retryDelayMs !== undefined && response.header("retry-after") == null ? String(retryDelayMs) : undefined
  }
  const reason = fromUpstreamError({ ...response, header }, nowMs, options)
  if (reason._tag === "InvalidRequest" && /input token count.*exceeds the maximum/i.test(response.body)) {
    return { _tag: "ContextLengthExceeded", message: reason.message, param: "messages" }
  }
  return reason
}

/** google.rpc canonical codes to their HTTP status (cloud.google.com/apis/design/errors). */
const statusByCanonicalCode: ReadonlyMap<string, number> = new Map([
  ["INVALID_ARGUMENT", 400],
  ["FAILED_PRECONDITION", 400],
  ["OUT_OF_RANGE", 400],
  ["UNAUTHENTICATED", 401],
  ["PERMISSION_DENIED", 403],
  ["NOT_FOUND", 404],
  ["ABORTED", 409],
  ["ALREADY_EXISTS", 409],
  ["RESOURCE_EXHAUSTED", 429],
  ["CANCELLED", 499],
  ["INTERNAL", 500],
  ["UNKNOWN", 500],
  ["DATA_LOSS", 500],
  ["NOT_IMPLEMENTED", 501],
  ["UNAVAILABLE", 503],
  ["DEADLINE_EXCEEDED", 504],
])

/**
 * The status of an answer that is a Google error (`{"error":{code,status,message}}`,
 * alone or in a one-element array, as a 200): its numeric code, else its canonical
 * status's; undefined for an answer (one with candidates).
 */
export function geminiErrorBodyStatus(answer: unknown): number | undefined {
  const root = Array.isArray(answer) && answer.length === 1 ? answer[0] : answer
  if (!isRecord(root) || "candidates" in root || !isRecord(root["error"])) return undefined
  const { code, status } = root["error"]
  if (isErrorStatus(code)) return code
  return statusByCanonicalCode.get(typeof status === "string" ? status : "") ?? 500
}

function readRetryDelayMs(body: string): number | undefined {
  const root = errorBodyRoot(body)
  if (typeof root !== "object" || root === null || !("error" in root)) return undefined
  const error: unknown = root.error
  if (typeof error !== "object" || error === null || !("details" in error) || !Array.isArray(error.details)) return undefined
  for (const detail of error.details) {
    if (typeof detail !== "object" || detail === null || !("retryDelay" in detail) || typeof detail.retryDelay !== "string") continue
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay)
    if (match?.[1] !== undefined) return Math.round(Number(match[1]) * 1000)
  }
  return undefined
}
