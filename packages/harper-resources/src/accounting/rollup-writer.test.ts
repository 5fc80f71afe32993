import type { ModelCallRecord } from "@harper-gateway/models"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { TableLike } from "../harper-tables.ts"
import { aggregateUsage, createUsageFold, type UsageGrouping } from "./aggregate-usage.ts"
import { createRollupWriter } from "./rollup-writer.ts"
import { rollupContribution } from "./usage-rollup.ts"

/** A table in memory; `failNext` makes puts throw, as a failed transaction would. */
function memoryTable(): TableLike & { rows: Map<string, object>; failNext: boolean } {
  const rows = new Map<string, object>()
  const table = {
    rows,
    failNext: false,
    async put(record: object) {
      // A failed transaction fails every put of it, however late each lands.
      const fails = table.failNext
      // Puts finish in any order, as a transaction's do.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2))
      if (fails) throw new Error("write failed")
      rows.set(String(Reflect.get(record, "id")), record)
    },
    get: (id: string) => rows.get(id),
    async *search() {
      yield* [...rows.values()]
    },
    setTTLExpiration: () => undefined,
  }
  return table
}

const H = 3_600_000
const T = Date.parse("2026-11-27T00:00:00Z")
const row = fc.record({
  time: fc.integer({ min: T, max: T + 50 * H }),
  tenant: fc.constantFrom("a", "b"),
  outcome: fc.constantFrom("success", "upstream_error", "rejected"),
  logicalModel: fc.option(fc.constantFrom("m1", "m2"), { nil: null }),
  keyId: fc.option(fc.constantFrom("k1", "k2"), { nil: null }),
  promptTokens: fc.option(fc.nat(1_000), { nil: null }),
  completionTokens: fc.option(fc.nat(1_000), { nil: null }),
  totalTokens: fc.option(fc.nat(2_000), { nil: null }),
  cost_usd: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  lastAttempt: fc.option(fc.boolean(), { nil: null }),
})

async function* each(values: readonly unknown[]): AsyncIterable<unknown> {
  yield* values
}

function fromRollups(rollups: Iterable<object>, tenant: string, grouping: UsageGrouping) {
  const fold = createUsageFold(grouping)
  for (const stored of rollups) {
    const contribution = Reflect.get(stored, "tenant") === tenant ? rollupContribution(stored) : undefined
    if (contribution !== undefined) fold.add(contribution.cell, contribution.totals)
  }
  return fold.buckets()
}

const asRecords = (rows: readonly object[]) => rows.map((r, i) => ({ id: `r${i}-${Math.random()}`, ...r })) as unknown as ModelCallRecord[]

describe("the rollup writer", () => {
  it("puts a batch's rows and the rollup rows they add to in ONE transaction (one context), a new one per batch", async () => {
    const contexts: unknown[] = []
    const contextOf = (table: TableLike): TableLike => ({
      ...table,
      put: async (record: object, context?: object) => {
        contexts.push(context)
        await table.put(record, context)
      },
    })
    const calls = memoryTable()
    const rollups = memoryTable()
    const write = createRollupWriter({ calls: contextOf(calls), rollups: contextOf(rollups), writer: { node: "n", thread: "1" } })
    const rows = asRecords(
      Array.from({ length: 50 }, (_, i) => ({ time: T + i * H, tenant: i % 2 === 0 ? "a" : "b", outcome: "success", logicalModel: "m1", keyId: null, promptTokens: 1, completionTokens: 1, totalTokens: 2, cost_usd: 0.5, lastAttempt: true })),
    )
    await write(rows)
    expect(calls.rows.size).toBe(50)
    expect(rollups.rows.size).toBeGreaterThan(1)
    expect(contexts.length).toBe(50 + rollups.rows.size)
    const [first] = contexts
    expect(typeof first).toBe("object")
    expect(contexts.every((context) => context === first)).toBe(true)
    await write(asRecords([{ time: T, tenant: "a", outcome: "success", logicalModel: "m1", keyId: null, promptTokens: 1, completionTokens: 1, totalTokens: 2, cost_usd: 0, lastAttempt: true }]))
    expect(contexts.at(-1)).not.toBe(first)
  })

  it("leaves rollups that aggregate to what the rows do, for every grouping, batches written at once or not (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(row, { maxLength: 30 }), { maxLength: 6 }), fc.integer({ min: 1, max: 3 }), async (batches, writers) => {
        const calls = memoryTable()
        const rollups = memoryTable()
        const write = Array.from({ length: writers }, (_, i) => createRollupWriter({ calls, rollups, writer: { node: "n", thread: String(i) }, maxCached: 2 }))
        await Promise.all(batches.map((batch, i) => write[i % writers]?.(asRecords(batch))))
        for (const tenant of ["a", "b"])
          for (const grouping of ["hour", "day", "model", "key"] as const) {
            const expected = await aggregateUsage(each([...calls.rows.values()].filter((r) => Reflect.get(r, "tenant") === tenant)), grouping)
            expect(fromRollups(rollups.rows.values(), tenant, grouping)).toEqual(expected)
          }
      }),
      { numRuns: 60 },
    )
  })
  it("adds nothing for a batch whose write failed, and counts a row written again (retried, replayed) once", async () => {
    const calls = memoryTable()
    const rollups = memoryTable()
    const write = createRollupWriter({ calls, rollups, writer: { node: "n", thread: "1" } })
    const batch = asRecords([{ time: T, tenant: "a", outcome: "success", logicalModel: "m", keyId: null, promptTokens: 1, completionTokens: 2, totalTokens: 3, cost_usd: 0.5 }])
    await write(batch)
    rollups.failNext = true
    await expect(write(batch)).rejects.toThrow("write failed")
    rollups.failNext = false
    await write(batch)
    await write(batch)
    expect(fromRollups(rollups.rows.values(), "a", "model")).toEqual([{ group: "m", calls: 1, errors: 0, prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cost_usd: 0.5 }])
  })
  it("replaces an interrupted row's contribution with its call's final row (same id), in another cell and by another writer", async () => {
    const calls = memoryTable()
    const rollups = memoryTable()
    const dead = createRollupWriter({ calls, rollups, writer: { node: "n", thread: "1" } })
    const replayer = createRollupWriter({ calls, rollups, writer: { node: "n", thread: "2" } })
    const base = { id: "c1", tenant: "a", keyId: null, cost_usd: 0.5 }
    await dead([{ ...base, time: T, outcome: "interrupted", logicalModel: "m", promptTokens: 100, completionTokens: 900, totalTokens: 1000 }] as unknown as ModelCallRecord[])
    await replayer([{ ...base, time: T + H, outcome: "success", logicalModel: "m2", promptTokens: 10, completionTokens: 20, totalTokens: 30 }] as unknown as ModelCallRecord[])
    expect(fromRollups(rollups.rows.values(), "a", "model")).toEqual([
      { group: "m", calls: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 },
      { group: "m2", calls: 1, errors: 0, prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, cost_usd: 0.5 },
    ])
  })
  it("leaves rollups equal to folding the stored rows whatever ids are written again, with other contents, by other writers, in failed batches (property)", async () => {
    const write = fc.record({ id: fc.constantFrom("x", "y", "z", "w"), row, writer: fc.nat(2), fails: fc.boolean() })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(write, { minLength: 1, maxLength: 5 }), { maxLength: 12 }), async (batches) => {
        const calls = memoryTable()
        const rollups = memoryTable()
        const writers = [0, 1, 2].map((i) => createRollupWriter({ calls, rollups, writer: { node: "n", thread: String(i) }, maxCached: 1 }))
        for (const batch of batches) {
          const [first] = batch
          if (first === undefined) continue
          calls.failNext = first.fails
          rollups.failNext = first.fails
          const written = writers[first.writer]?.(batch.map((w) => ({ ...w.row, id: w.id })) as unknown as ModelCallRecord[])
          await (first.fails ? expect(written).rejects.toThrow() : written)
          calls.failNext = false
          rollups.failNext = false
        }
        for (const tenant of ["a", "b"])
          for (const grouping of ["hour", "model", "key"] as const) {
            const expected = await aggregateUsage(each([...calls.rows.values()].filter((r) => Reflect.get(r, "tenant") === tenant)), grouping)
            const got = fromRollups(rollups.rows.values(), tenant, grouping).filter((b) => b.calls !== 0 || b.errors !== 0 || b.prompt_tokens !== 0 || b.completion_tokens !== 0 || b.total_tokens !== 0 || b.cost_usd !== 0)
            expect(got).toEqual(expected.filter((b) => b.calls !== 0 || b.errors !== 0 || b.prompt_tokens !== 0 || b.completion_tokens !== 0 || b.total_tokens !== 0 || b.cost_usd !== 0))
          }
      }),
      { numRuns: 60 },
    )
  })
})
