import { describe, expect, it } from "vitest"
import { currentPeriod } from "./budget-period.ts"

const at = (iso: string) => Date.parse(iso)

describe("currentPeriod", () => {
  it("gives UTC days, Monday weeks, calendar months and all time", () => {
    const now = at("2025-03-13T15:04:05Z") // a Thursday
    expect(currentPeriod("day", now, null)).toEqual({ startMs: at("2025-03-13T00:00:00Z"), endMs: at("2025-03-14T00:00:00Z") })
    expect(currentPeriod("week", now, null)).toEqual({ startMs: at("2025-03-10T00:00:00Z"), endMs: at("2025-03-17T00:00:00Z") })
    expect(currentPeriod("month", now, null)).toEqual({ startMs: at("2025-03-01T00:00:00Z"), endMs: at("2025-04-01T00:00:00Z") })
    expect(currentPeriod("total", now, null)).toEqual({ startMs: 0, endMs: null })
    expect(currentPeriod("week", at("2025-03-16T23:59:59Z"), null).startMs).toBe(at("2025-03-10T00:00:00Z"))
    expect(currentPeriod("month", at("2025-12-31T23:00:00Z"), null).endMs).toBe(at("2026-01-01T00:00:00Z"))
  })

  it("counts from a reset inside the period, and ignores one from an earlier period", () => {
    const now = at("2025-03-13T15:00:00Z")
    expect(currentPeriod("day", now, at("2025-03-13T12:00:00Z")).startMs).toBe(at("2025-03-13T12:00:00Z"))
    expect(currentPeriod("day", now, at("2025-03-12T12:00:00Z")).startMs).toBe(at("2025-03-13T00:00:00Z"))
    expect(currentPeriod("total", now, at("2025-01-01T00:00:00Z")).startMs).toBe(at("2025-01-01T00:00:00Z"))
  })
})
