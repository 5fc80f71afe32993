import type { GatewayError } from "../errors/gateway-error.ts"
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
