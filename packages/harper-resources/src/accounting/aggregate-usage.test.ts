import { describe, expect, it } from "vitest"
import { aggregateUsage } from "./aggregate-usage.ts"

async function* rows(...values: readonly unknown[]): AsyncIterable<unknown> {
  for (const value of values) yield value
}

const H = Date.parse("2026-11-27T10:00:00Z")
const row = (minutes: number, fields: Record<string, unknown>) => ({ time: H + minutes * 60_000, outcome: "success", logicalModel: "m1", keyId: "k1", promptTokens: 10, completionTokens: 5, totalTokens: 15, cost_usd: 0.001, ...fields })

describe("aggregateUsage", () => {
  const sample = () =>
    rows(row(0, {}), row(30, { logicalModel: "m2", cost_usd: 0.002 }), row(70, { outcome: "error", promptTokens: null, completionTokens: null, totalTokens: null, cost_usd: null }), row(24 * 60 + 5, { keyId: null }), {
      time: "not a number",
    })

  it("groups by hour and by day, counting calls, errors, tokens and cost", async () => {
    expect(await aggregateUsage(sample(), "hour")).toEqual([
      { group: "2026-11-27T10:00:00.000Z", calls: 2, errors: 0, prompt_tokens: 20, completion_tokens: 10, total_tokens: 30, cost_usd: 0.003 },
      { group: "2026-11-27T11:00:00.000Z", calls: 1, errors: 1, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 },
      { group: "2026-11-28T10:00:00.000Z", calls: 1, errors: 0, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.001 },
    ])
    expect((await aggregateUsage(sample(), "day")).map((b) => [b.group, b.calls, b.errors])).toEqual([
      ["2026-11-27T00:00:00.000Z", 3, 1],
      ["2026-11-28T00:00:00.000Z", 1, 0],
    ])
  })

  it("groups by model and by key (null: Harper credentials)", async () => {
    expect((await aggregateUsage(sample(), "model")).map((b) => [b.group, b.calls])).toEqual([
      ["m1", 3],
      ["m2", 1],
    ])
    expect((await aggregateUsage(sample(), "key")).map((b) => [b.group, b.calls])).toEqual([
      ["k1", 3],
      [null, 1],
    ])
  })

  it("counts calls, not attempts: a call retried and fallen back to another model is one call, in its last attempt's group, with every attempt's tokens and cost", async () => {
    const attempts = () =>
      rows(
        row(0, { callId: "c1", attempt: 1, lastAttempt: false, outcome: "error", promptTokens: null, completionTokens: null, totalTokens: null, cost_usd: null }),
        row(0, { callId: "c1", attempt: 2, lastAttempt: false, outcome: "error", promptTokens: 3, completionTokens: 0, totalTokens: 3, cost_usd: 0.0005 }),
        row(1, { callId: "c1", attempt: 3, lastAttempt: true, logicalModel: "m2" }),
        // A call whose retries all failed: one call, one error.
        row(2, { callId: "c2", attempt: 1, lastAttempt: false, outcome: "error", cost_usd: null }),
        row(2, { callId: "c2", attempt: 2, lastAttempt: true, outcome: "error", cost_usd: null }),
        // A row written before routing: a call.
        row(3, {}),
      )
    expect(await aggregateUsage(attempts(), "hour")).toEqual([{ group: "2026-11-27T10:00:00.000Z", calls: 3, errors: 1, prompt_tokens: 43, completion_tokens: 20, total_tokens: 63, cost_usd: 0.0025 }])
    expect((await aggregateUsage(attempts(), "model")).map((b) => [b.group, b.calls, b.errors, b.total_tokens])).toEqual([
      ["m1", 2, 1, 48],
      ["m2", 1, 0, 15],
    ])
  })
})
