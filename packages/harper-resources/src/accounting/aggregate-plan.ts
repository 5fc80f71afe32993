import { HOUR_MS } from "./aggregate-usage.ts"

export interface TimeSpan {
  /** Epoch ms, both inclusive. */
  readonly from: number
  readonly to: number
}

export interface AggregatePlan {
  /** Spans read row by row: before the rollups start, and the partial hours at either end (each under an hour). */
  readonly rows: readonly TimeSpan[]
  /** Whole hours read from the rollups: hour starts from `from` to `to`, inclusive. */
  readonly hours: TimeSpan | undefined
}

/**
 * Splits an aggregate's range: whole hours since `rollupsSince` (every row from then on
 * is in the rollups) come from the rollups, the rest from the rows. Together they cover
 * each millisecond of the range once.
 */
export function planAggregate(range: TimeSpan, rollupsSince: number): AggregatePlan {
  const rows: TimeSpan[] = []
  const start = Math.max(range.from, rollupsSince)
  if (start > range.to) return { rows: [range], hours: undefined }
  if (start > range.from) rows.push({ from: range.from, to: start - 1 })
  const firstHour = Math.ceil(start / HOUR_MS) * HOUR_MS
  // The hour holding `to` is whole only when `to` is its last millisecond.
  const endHour = Math.floor((range.to + 1) / HOUR_MS) * HOUR_MS
  if (firstHour >= endHour) {
    rows.push({ from: start, to: range.to })
    return { rows: merge(rows), hours: undefined }
  }
  if (start < firstHour) rows.push({ from: start, to: firstHour - 1 })
  if (endHour <= range.to) rows.push({ from: endHour, to: range.to })
  return { rows: merge(rows), hours: { from: firstHour, to: endHour - HOUR_MS } }
}

/** Adjacent spans as one (one search instead of two). */
function merge(spans: readonly TimeSpan[]): readonly TimeSpan[] {
  const merged: TimeSpan[] = []
  for (const span of spans) {
    const last = merged.at(-1)
    if (last !== undefined && last.to + 1 === span.from) merged[merged.length - 1] = { from: last.from, to: span.to }
    else merged.push(span)
  }
  return merged
}
