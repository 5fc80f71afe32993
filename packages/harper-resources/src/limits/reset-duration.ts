/** A duration as OpenAI writes `x-ratelimit-reset-*`: `20ms`, `1s`, `1.5s`, `6m0s`, `1h2m3s`. */
export function formatResetDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms))
  if (whole < 1_000) return `${whole}ms`
  const hours = Math.floor(whole / 3_600_000)
  const minutes = Math.floor((whole % 3_600_000) / 60_000)
  const seconds = Number(((whole % 60_000) / 1_000).toFixed(3))
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${minutes}m${seconds}s`
  return `${seconds}s`
}
