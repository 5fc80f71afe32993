/**
 * The HTTP status an error object implies where none came with it: an in-stream error
 * frame, or a `200 OK` whose body is an error. These decide only the status; the reason
 * is then made by the protocol's usual error mapper from it and the body.
 */

/** An OpenAI-shaped error's status: a numeric HTTP `code` (OpenRouter) as it is, else the class its code or type names, as the AI SDK reads it. */
export function openAIErrorStatus(error: string | { readonly code?: unknown; readonly type?: unknown }): number {
  if (typeof error !== "string" && isErrorStatus(error.code)) return error.code
  const hint = typeof error === "string" ? error : `${textOf(error.code)} ${textOf(error.type)}`
  if (/insufficient_quota|rate_limit/.test(hint)) return 429
  if (/authentication|invalid_api_key/.test(hint)) return 401
  if (/permission/.test(hint)) return 403
  if (/not_found/.test(hint)) return 404
  if (/context_length|invalid_request/.test(hint)) return 400
  if (/overloaded|unavailable/.test(hint)) return 503
  return 500
}

/**
 * The status of an OpenAI-compatible (or Ollama) answer that is an error object
 * (`{"error":{…}}` or `{"error":"…"}`, and no `choices` or `data`), or undefined when it
 * is an answer: `"error": null` beside choices is an answer.
 */
export function openAIErrorBodyStatus(answer: unknown): number | undefined {
  if (!isRecord(answer) || "choices" in answer || "data" in answer) return undefined
  const error = answer["error"]
  if (typeof error === "string") return openAIErrorStatus(error)
  if (isRecord(error)) return openAIErrorStatus(error)
  return undefined
}

/** An HTTP error status: an integer from 400 to 599. */
export function isErrorStatus(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 400 && value <= 599
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

function textOf(value: unknown): string {
  return typeof value === "string" ? value : ""
}
