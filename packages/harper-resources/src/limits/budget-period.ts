export type BudgetPeriod = "day" | "week" | "month" | "total"

export interface PeriodBounds {
  /** Spend is counted from here (ms): the period's start, or a later reset. */
  readonly startMs: number
  /** When the budget next resets by itself (ms); null for `total`. */
  readonly endMs: number | null
}

/** The current budget period in UTC (weeks start on Monday), moved forward by an operator's reset. */
export function currentPeriod(period: BudgetPeriod, nowMs: number, resetAtMs: number | null): PeriodBounds {
  const now = new Date(nowMs)
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  let bounds: PeriodBounds
  switch (period) {
    case "day":
      bounds = { startMs: day, endMs: day + 86_400_000 }
      break
    case "week": {
      const monday = day - ((now.getUTCDay() + 6) % 7) * 86_400_000
      bounds = { startMs: monday, endMs: monday + 7 * 86_400_000 }
      break
    }
    case "month":
      bounds = { startMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), endMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) }
      break
    case "total":
      bounds = { startMs: 0, endMs: null }
      break
    default: {
      const unreachable: never = period
      return unreachable
    }
  }
  return resetAtMs !== null && resetAtMs > bounds.startMs && resetAtMs <= nowMs ? { ...bounds, startMs: resetAtMs } : bounds
}
