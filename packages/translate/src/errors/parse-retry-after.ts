/**
 * Reads an upstream's retry hint: `retry-after-ms` first, then `retry-after` as
 * seconds or an HTTP date (hence the injected clock). Returns milliseconds, or
 * undefined when there is no usable hint.
 */
export function parseRetryAfter(header: (name: string) => string | null | undefined, nowMs: number): number | undefined {
  const ms = header("retry-after-ms")
  if (ms != null && ms.trim() !== "") {
    const value = Number(ms)
    if (Number.isFinite(value) && value >= 0) return value
  }
  const after = header("retry-after")
  if (after == null || after.trim() === "") return undefined
  const seconds = Number(after)
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined
  const date = Date.parse(after)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - nowMs)
}
