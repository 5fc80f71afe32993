/**
 * Server-sent events exactly as OpenAI frames them: `data: <one-line JSON>\n\n`, and
 * `data: [DONE]\n\n` at the end. JSON.stringify escapes every line break inside
 * strings, so one event is always one line. No `event:` lines: the OpenAI SDK gives
 * `event: error` a meaning of its own.
 */
export const SSE_DONE = "data: [DONE]\n\n"

export function encodeSseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`
}

/** A keep-alive. Comments are the only idle frames every client ignores; an empty `data:` is fatal to some. */
export function encodeSseComment(text: string): string {
  if (/[\r\n]/.test(text)) throw new RangeError("An SSE comment cannot contain a line break")
  return `: ${text}\n\n`
}
