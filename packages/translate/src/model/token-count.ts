/**
 * The largest token count the gateway trusts: Harper's `Int` column (32-bit signed), where
 * every stored count goes. No real call comes near it; a figure above it is an upstream's bug
 * or an attack, and stored it would make the row unwritable.
 */
export const MAX_TOKEN_COUNT = 2_147_483_647

/** What one usage figure of an upstream says: a count, nothing (missing or null), or something no count can be. */
export type TokenReading = { readonly kind: "count"; readonly value: number } | { readonly kind: "absent" } | { readonly kind: "untrusted" }

const ABSENT: TokenReading = { kind: "absent" }
const UNTRUSTED: TokenReading = { kind: "untrusted" }

/** Only non-negative integers within MAX_TOKEN_COUNT count as tokens; anything else present is untrusted. */
export function isTokenCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_TOKEN_COUNT
}

export function readTokenCount(value: unknown): TokenReading {
  if (value === undefined || value === null) return ABSENT
  return isTokenCount(value) ? { kind: "count", value } : UNTRUSTED
}

/**
 * Figures an upstream reports apart that the gateway adds up (Anthropic's prompt and cache
 * parts, Gemini's candidates and thoughts): untrusted when any part is or the sum leaves the
 * range, absent when every part is, otherwise the sum (absent parts count 0).
 */
export function sumReadings(readings: readonly TokenReading[]): TokenReading {
  let sum = 0
  let present = false
  for (const reading of readings) {
    if (reading.kind === "untrusted") return UNTRUSTED
    if (reading.kind === "count") {
      present = true
      sum += reading.value
    }
  }
  if (!present) return ABSENT
  return sum <= MAX_TOKEN_COUNT ? { kind: "count", value: sum } : UNTRUSTED
}

/**
 * A total the gateway computes from trusted counts (prompt plus completion): their sum, or
 * MAX_TOKEN_COUNT with `clamped` when the sum is past it (2e9 + 2e9), so the row stays
 * storable and is flagged estimated rather than set aside and missing from every total.
 */
export function tokenTotal(counts: readonly number[]): { readonly total: number; readonly clamped: boolean } {
  const sum = counts.reduce((a, b) => a + b, 0)
  return sum <= MAX_TOKEN_COUNT ? { total: sum, clamped: false } : { total: MAX_TOKEN_COUNT, clamped: true }
}
