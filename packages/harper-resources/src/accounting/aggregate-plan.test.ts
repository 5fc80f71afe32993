import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { planAggregate } from "./aggregate-plan.ts"

const H = 3_600_000
const T = Date.parse("2026-11-27T00:00:00Z")

describe("planning an aggregate", () => {
  it("reads whole hours from the rollups and the partial hours at the ends from rows", () => {
    expect(planAggregate({ from: T + 10, to: T + 3 * H + 5 }, 0)).toEqual({
      rows: [
        { from: T + 10, to: T + H - 1 },
        { from: T + 3 * H, to: T + 3 * H + 5 },
      ],
      hours: { from: T + H, to: T + 2 * H },
    })
    expect(planAggregate({ from: T, to: T + 2 * H - 1 }, 0)).toEqual({ rows: [], hours: { from: T, to: T + H } })
  })
  it("reads rows before the rollups start, and all rows for a range under an hour", () => {
    expect(planAggregate({ from: T, to: T + 5 * H - 1 }, T + 2 * H + 7)).toEqual({ rows: [{ from: T, to: T + 3 * H - 1 }], hours: { from: T + 3 * H, to: T + 4 * H } })
    expect(planAggregate({ from: T + 5, to: T + 50 }, 0)).toEqual({ rows: [{ from: T + 5, to: T + 50 }], hours: undefined })
    expect(planAggregate({ from: T, to: T + 9 * H }, T + 10 * H)).toEqual({ rows: [{ from: T, to: T + 9 * H }], hours: undefined })
  })
  it("covers every millisecond of the range exactly once, rows under an hour at each end after the start (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 * H }), fc.integer({ min: 0, max: 50 * H }), fc.integer({ min: 0, max: 60 * H }), (a, length, since) => {
        const range = { from: T + a, to: T + a + length }
        const plan = planAggregate(range, T + since)
        const spans = [...plan.rows, ...(plan.hours === undefined ? [] : [{ from: plan.hours.from, to: plan.hours.to + H - 1 }])].sort((x, y) => x.from - y.from)
        expect(spans[0]?.from).toBe(range.from)
        expect(spans.at(-1)?.to).toBe(range.to)
        for (let i = 1; i < spans.length; i++) expect(spans[i]?.from).toBe((spans[i - 1]?.to ?? 0) + 1)
        if (plan.hours !== undefined) {
          expect(plan.hours.from % H).toBe(0)
          expect(plan.hours.from).toBeGreaterThanOrEqual(T + since)
          const after = plan.rows.filter((span) => span.from >= T + since)
          for (const span of after) expect(span.to - span.from).toBeLessThan(H)
        }
      }),
    )
  })
})
