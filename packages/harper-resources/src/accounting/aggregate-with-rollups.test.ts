import type { ModelCallRecord } from "@harper-gateway/models"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { TableLike } from "../harper-tables.ts"
import { aggregateUsage } from "./aggregate-usage.ts"
import { aggregateWithRollups } from "./aggregate-with-rollups.ts"
import { createRollupWriter } from "./rollup-writer.ts"

const H = 3_600_000
const T = Date.parse("2026-11-27T00:00:00Z")

function memoryTable(): TableLike & { rows: Map<string, object> } {
  const rows = new Map<string, object>()
  return {
    rows,
    put: (record: object) => void rows.set(String(Reflect.get(record, "id")), record),
    get: (id: string) => rows.get(id),
    async *search() {
      yield* [...rows.values()]
    },
    setTTLExpiration: () => undefined,
  }
}

async function* each(values: readonly unknown[]): AsyncIterable<unknown> {
  yield* values
}

const row = fc.record({
  time: fc.integer({ min: T, max: T + 30 * H }),
  tenant: fc.constantFrom("a", "b"),
  outcome: fc.constantFrom("success", "upstream_error"),
  logicalModel: fc.option(fc.constantFrom("m1", "m2"), { nil: null }),
  keyId: fc.option(fc.constantFrom("k1", "k2"), { nil: null }),
  promptTokens: fc.nat(1_000),
  completionTokens: fc.nat(1_000),
  totalTokens: fc.nat(2_000),
  cost_usd: fc.integer({ min: 0, max: 1_000 }).map((n) => n / 1_000),
  lastAttempt: fc.option(fc.boolean(), { nil: null }),
})

describe("aggregates from rollups", () => {
  it("answer what folding every row of the range answers, for any range and rollup start (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 80 }),
        fc.integer({ min: 0, max: 30 * H }),
        fc.integer({ min: 0, max: 30 * H }),
        fc.integer({ min: -H, max: 30 * H }),
        fc.constantFrom("hour", "day", "model", "key"),
        async (rows, a, length, since, grouping) => {
          const calls = memoryTable()
          const rollups = memoryTable()
          const records = rows.map((r, i) => ({ id: `r${i}`, ...r })) as unknown as ModelCallRecord[]
          await createRollupWriter({ calls, rollups, writer: { node: "n", thread: "1" } })(records)
          const range = { from: T + a, to: T + a + length }
          const inSpan = (span: { from: number; to: number }) => records.filter((r) => r.tenant === "a" && r.time >= span.from && r.time <= span.to)
          const answer = await aggregateWithRollups(
            {
              rows: (span) => each(inSpan(span)),
              rollups: (hours) => each([...rollups.rows.values()].filter((r) => Reflect.get(r, "tenant") === "a" && Number(Reflect.get(r, "hour")) >= hours.from && Number(Reflect.get(r, "hour")) <= hours.to)),
            },
            { range, grouping, rollupsSince: T + since },
          )
          expect(answer).toEqual(await aggregateUsage(each(inSpan(range)), grouping))
        },
      ),
      { numRuns: 200 },
    )
  })
})
