/** Only finite non-negative integers count as tokens; NaN or negatives from a provider would poison sums. */
export function isTokenCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0
}

/** A provider's token count, or undefined when it is absent or not a count. */
export function tokenCount(value: unknown): number | undefined {
  return isTokenCount(value) ? value : undefined
}
