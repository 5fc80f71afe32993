import { cpSync, mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { createCallRecorder } from "./call-recorder.ts"
import { openJournal, readSegment, type Journal } from "./journal.ts"
import type { ModelCallRecord } from "@harper-gateway/models"
import { replayLeftovers } from "./replay-leftovers.ts"
import type { RowStore } from "./store-rows.ts"
import { testRow } from "../../../models/test/test-row.ts"
import { quarantineRow, type TableLike } from "../harper-tables.ts"

/** A table that takes every row it is given (or fails as `write` does); none is quarantined. */
const writing = (write: RowStore["write"]): RowStore => ({ write, quarantine: async () => Promise.reject(new Error("nothing should be quarantined")) })
const tempDir = () => mkdtempSync(join(tmpdir(), "journal-"))
const segmentsIn = (dir: string) => readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".jsonl"))
const startedRow = (id: string) => testRow(id, { outcome: "interrupted", status: null, latencyMs: null, latency_ms: null, success: false, error_code: "interrupted" })

/** A real journal whose appends are counted (rows per write), or throw while `failing`. */
function countedJournal(dir: string) {
  const inner = openJournal(dir, "run", "1")
  const writes: string[][] = []
  const state = { failing: false }
  const journal: Journal = {
    append(rows) {
      if (state.failing) throw new Error("ENOSPC: no space left on device")
      writes.push(rows.map((row) => row.id))
      return inner.append(rows)
    },
    rotate: () => inner.rotate(),
    remove: (segment) => inner.remove(segment),
  }
  return { journal, writes, state }
}
const journalledIds = (dir: string) => segmentsIn(dir).flatMap((name) => readSegment(join(dir, name)).map((row) => `${row.id}:${row.outcome}`))

/** What the next start stores from this journal folder: one row per call, by id. */
async function replayedByNextRun(dir: string): Promise<Map<string, ModelCallRecord>> {
  const stored = new Map<string, ModelCallRecord>()
  await replayLeftovers({
    directory: dir,
    runId: "next-run",
    worker: "1",
    store: writing(async (rows) => {
      for (const row of rows) stored.set(row.id, row)
    }),
    maxBatch: 500,
    isStored: async (id) => stored.has(id),
  })
  return stored
}

describe("the call recorder", () => {
  it("writes in batches, keeps rows and their journal through a failed write, and removes the journal once stored", async () => {
    const dir = tempDir()
    const stored: string[] = []
    let failNext = true
    const recorder = createCallRecorder({
      store: writing(async (rows) => {
        if (failNext) {
          failNext = false
          throw new Error("disk full")
        }
        stored.push(...rows.map((r) => r.id))
      }),
      flushIntervalMs: 60_000,
      maxBatch: 2,
      onError: () => undefined,
      journal: openJournal(dir, "run", "1"),
    })
    recorder.record(testRow("a"))
    await recorder.flush() // fails: kept
    expect(stored).toEqual([])
    expect(recorder.pending()).toBe(1)
    expect(segmentsIn(dir).length).toBe(1)
    recorder.record(testRow("b"))
    recorder.record(testRow("c"))
    await recorder.close()
    expect(stored).toEqual(["a", "b", "c"])
    expect(recorder.pending()).toBe(0)
    expect(segmentsIn(dir)).toEqual([])
  })

  it("leaves an interrupted row for each call started and never ended, and only the final row for ended ones", async () => {
    const dir = tempDir()
    const recorder = createCallRecorder({ store: writing(async () => undefined), flushIntervalMs: 60_000, maxBatch: 500, onError: () => undefined, journal: openJournal(dir, "run", "1") })
    // Awaited, as a call does before its backend is called.
    await recorder.started(startedRow("ended"))
    await recorder.started(startedRow("in-flight"))
    recorder.record(testRow("ended"))
    await Promise.resolve() // the ended call's answer is sent from here on
    // the process dies here (kill -9): no flush
    const stored = await replayedByNextRun(dir)
    expect([...stored.values()].map((r) => [r.id, r.outcome, r.status]).sort()).toEqual([
      ["ended", "success", 200],
      ["in-flight", "interrupted", null],
    ])
  })

  it("keeps a started line through flushes until its call ends, then removes it", async () => {
    const dir = tempDir()
    const stored: string[] = []
    const recorder = createCallRecorder({ store: writing(async (rows) => void stored.push(...rows.map((r) => r.id))), flushIntervalMs: 60_000, maxBatch: 500, onError: () => undefined, journal: openJournal(dir, "run", "1") })
    recorder.started(startedRow("long"))
    recorder.record(testRow("short"))
    await recorder.flush()
    await recorder.flush()
    expect(stored).toEqual(["short"])
    expect([...(await replayedByNextRun(copyOfDir(dir))).keys()]).toContain("long")
    recorder.record(testRow("long"))
    await recorder.flush()
    expect(stored).toEqual(["short", "long"])
    expect(segmentsIn(dir)).toEqual([])
  })

  it("never turns a stored call back into interrupted when its started line outlives its final row's segment", async () => {
    const dir = tempDir()
    const table = new Map<string, ModelCallRecord>()
    const recorder = createCallRecorder({
      store: writing(async (rows) => {
        for (const row of rows) table.set(row.id, row)
      }),
      flushIntervalMs: 60_000,
      maxBatch: 500,
      onError: () => undefined,
      journal: openJournal(dir, "run", "1"),
    })
    recorder.started(startedRow("short"))
    recorder.started(startedRow("long")) // keeps the first segment while it runs
    await recorder.flush()
    recorder.record(testRow("short")) // its final row goes to the second segment, removed once stored
    await recorder.flush()
    expect(table.get("short")?.outcome).toBe("success")
    // the process dies while "long" is in flight; the next start replays into the same table
    await replayLeftovers({
      directory: dir,
      runId: "next-run",
      worker: "1",
      store: writing(async (rows) => {
        for (const row of rows) table.set(row.id, row)
      }),
      maxBatch: 500,
      isStored: async (id) => table.has(id),
    })
    expect([...table.values()].map((r) => [r.id, r.outcome]).sort()).toEqual([
      ["long", "interrupted"],
      ["short", "success"],
    ])
  })

  it("bounds the rows it holds while writes fail; the journal keeps the rest and they are stored once writes succeed", async () => {
    const dir = tempDir()
    const stored = new Map<string, ModelCallRecord>()
    let failing = true
    const recorder = createCallRecorder({
      store: writing(async (rows) => {
        if (failing) throw new Error("table unavailable")
        for (const row of rows) stored.set(row.id, row)
      }),
      flushIntervalMs: 60_000,
      maxBatch: 7,
      maxBuffered: 10,
      onError: () => undefined,
      journal: openJournal(dir, "run", "1"),
    })
    const ids = Array.from({ length: 100 }, (_, i) => `row-${i}`)
    for (const [i, id] of ids.entries()) {
      recorder.record(testRow(id))
      if (i % 9 === 0) await recorder.flush()
      expect(recorder.pending()).toBeLessThanOrEqual(10)
    }
    expect(stored.size).toBe(0)
    failing = false
    await recorder.flush()
    expect([...stored.keys()].sort()).toEqual([...ids].sort())
    expect(segmentsIn(dir)).toEqual([])
    expect(recorder.pending()).toBe(0)
  })

  it("stores a flush's rows in one table write (one transaction: the rollup writer puts a batch in one context) up to maxBatch", async () => {
    const writes: number[] = []
    const recorder = createCallRecorder({ store: writing(async (rows) => void writes.push(rows.length)), flushIntervalMs: 60_000, maxBatch: 500, onError: () => undefined, journal: openJournal(tempDir(), "run", "1") })
    for (let i = 0; i < 499; i++) recorder.record(testRow(`row-${i}`))
    await recorder.flush()
    expect(writes).toEqual([499])
  })

  it("stores rows dropped from memory at the next start when the process dies before writes succeed", async () => {
    const dir = tempDir()
    const recorder = createCallRecorder({
      store: writing(async () => Promise.reject(new Error("table unavailable"))),
      flushIntervalMs: 60_000,
      maxBatch: 5,
      maxBuffered: 5,
      onError: () => undefined,
      journal: openJournal(dir, "run", "1"),
    })
    for (let i = 0; i < 40; i++) recorder.record(testRow(`row-${i}`))
    await recorder.flush()
    expect(recorder.pending()).toBe(5)
    expect((await replayedByNextRun(dir)).size).toBe(40)
  })
})

/**
 * A table that refuses, as Harper does, a whole transaction holding a row it cannot take:
 * an Int out of its range, or (for a reason the gateway does not check) tenant "refused".
 */
function refusingTable() {
  const stored = new Map<string, ModelCallRecord>()
  const quarantined = new Map<string, string>()
  const store: RowStore = {
    write: async (rows) => {
      const bad = rows.find((row) => (row.promptTokens ?? 0) > 2_147_483_647 || row.tenant === "refused")
      if (bad !== undefined) throw new Error(`promptTokens must be an integer between -2147483648 and 2147483647, attempt to assign ${bad.promptTokens}`)
      for (const row of rows) stored.set(row.id, row)
    },
    quarantine: async (row, reason) => void quarantined.set(row.id, reason),
  }
  return { store, stored, quarantined }
}

const badAndGood = () => [
  testRow("a", { tenant: "acme" }),
  testRow("huge", { tenant: "evil", promptTokens: 1e20, totalTokens: 1e20 }),
  testRow("x", { tenant: "refused" }),
  testRow("b", { tenant: "other" }),
  testRow("c", { tenant: "acme" }),
]

describe("the journal's group commit", () => {
  it("journals the started lines of calls starting in one loop turn in ONE write, each call let through only after it", async () => {
    const dir = tempDir()
    const { journal, writes } = countedJournal(dir)
    const recorder = createCallRecorder({ store: writing(async () => undefined), flushIntervalMs: 60_000, maxBatch: 500, onError: () => undefined, journal })
    const seenAtResolve: string[][] = []
    const first = Promise.resolve(recorder.started(startedRow("a"))).then(() => void seenAtResolve.push(journalledIds(dir)))
    // Another call a few continuations later, in the same turn.
    await Promise.resolve()
    const second = Promise.resolve(recorder.started(startedRow("b"))).then(() => void seenAtResolve.push(journalledIds(dir)))
    expect(writes).toEqual([])
    await Promise.all([first, second])
    expect(writes).toEqual([["a", "b"]])
    expect(seenAtResolve).toEqual([
      ["a:interrupted", "b:interrupted"],
      ["a:interrupted", "b:interrupted"],
    ])
  })

  it("rejects every call waiting on a journal write that throws, and reports it", async () => {
    const dir = tempDir()
    const { journal, state } = countedJournal(dir)
    const errors: unknown[] = []
    const recorder = createCallRecorder({ store: writing(async () => undefined), flushIntervalMs: 60_000, maxBatch: 500, onError: (error) => void errors.push(error), journal })
    state.failing = true
    const outcomes = await Promise.allSettled([recorder.started(startedRow("a")), recorder.started(startedRow("b"))])
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"])
    expect(errors.length).toBe(1)
    expect(journalledIds(dir)).toEqual([])
  })

  it("journals a final row before the continuations of the code that recorded it, in one write with the started lines queued", async () => {
    const dir = tempDir()
    const { journal, writes } = countedJournal(dir)
    const recorder = createCallRecorder({ store: writing(async () => undefined), flushIntervalMs: 60_000, maxBatch: 500, onError: () => undefined, journal })
    await recorder.started(startedRow("ended"))
    void recorder.started(startedRow("starting"))
    recorder.record(testRow("ended"))
    await Promise.resolve() // where the call goes on to send its answer
    expect(writes).toEqual([["ended"], ["starting", "ended"]])
    expect(journalledIds(dir)).toEqual(["ended:interrupted", "starting:interrupted", "ended:success"])
  })

  it("keeps a final row whose journal write failed in memory, stores it, and keeps the started line until then", async () => {
    const dir = tempDir()
    const { journal, state } = countedJournal(dir)
    const stored: string[] = []
    const errors: unknown[] = []
    const recorder = createCallRecorder({ store: writing(async (rows) => void stored.push(...rows.map((r) => r.id))), flushIntervalMs: 60_000, maxBatch: 500, onError: (error) => void errors.push(error), journal })
    await recorder.started(startedRow("a"))
    state.failing = true
    recorder.record(testRow("a"))
    await Promise.resolve()
    expect(errors.length).toBe(1)
    expect(recorder.pending()).toBe(1)
    state.failing = false
    await recorder.flush()
    expect(stored).toEqual(["a"])
    // A crash now replays the started line; the replay's isStored check keeps the stored row.
    expect(journalledIds(dir)).toEqual(["a:interrupted"])
  })
})

describe("one row the table cannot take", () => {
  it("does not halt the writer: the rows around it (other tenants') are stored, it is quarantined with why, the journal goes", async () => {
    const dir = tempDir()
    const table = refusingTable()
    const errors: unknown[] = []
    const recorder = createCallRecorder({ store: table.store, flushIntervalMs: 60_000, maxBatch: 2, onError: (error) => void errors.push(error), journal: openJournal(dir, "run", "1") })
    for (const row of badAndGood()) recorder.record(row)
    await recorder.flush()
    recorder.record(testRow("later", { tenant: "other" }))
    await recorder.close()
    expect([...table.stored.keys()].sort()).toEqual(["a", "b", "c", "later"])
    expect([...table.quarantined.keys()].sort()).toEqual(["huge", "x"])
    expect(table.quarantined.get("huge")).toContain("promptTokens is 100000000000000000000")
    expect(table.quarantined.get("x")).toContain("the table refused it")
    expect(recorder.pending()).toBe(0)
    expect(errors).toEqual([])
    expect(segmentsIn(dir)).toEqual([])
  })

  it("does not halt the replay after a restart: the journal's other rows are stored, it is quarantined, the folder goes", async () => {
    const dir = tempDir()
    const dead = createCallRecorder({ store: writing(async () => Promise.reject(new Error("the process dies before any write"))), flushIntervalMs: 60_000, maxBatch: 2, onError: () => undefined, journal: openJournal(dir, "run", "1") })
    for (const row of badAndGood()) dead.record(row)
    await Promise.resolve()
    // the process dies here (kill -9): nothing was stored
    const table = refusingTable()
    const replayed = await replayLeftovers({ directory: dir, runId: "next-run", worker: "1", store: table.store, maxBatch: 2, isStored: async (id) => table.stored.has(id) })
    expect(replayed).toBe(5)
    expect([...table.stored.keys()].sort()).toEqual(["a", "b", "c"])
    expect([...table.quarantined.keys()].sort()).toEqual(["huge", "x"])
    expect(segmentsIn(dir)).toEqual([])
  })
})

describe("a row the quarantine table refuses too", () => {
  it("stays in memory and its journal segment stays (the log carries it), until the quarantine takes it", async () => {
    const dir = tempDir()
    const table = refusingTable()
    const quarantinePuts = { down: true, rows: new Map<string, object>() }
    const quarantine: TableLike = {
      put: async (record: object) => {
        if (quarantinePuts.down) throw new Error("quarantine unavailable")
        quarantinePuts.rows.set(String(Reflect.get(record, "id")), record)
      },
      get: () => undefined,
      search: async function* () {},
      setTTLExpiration: () => undefined,
    }
    const alerts: string[] = []
    const store: RowStore = { write: table.store.write, quarantine: (row, reason) => quarantineRow(quarantine, { row, reason }, (message) => void alerts.push(message)) }
    const recorder = createCallRecorder({ store, flushIntervalMs: 60_000, maxBatch: 2, onError: () => undefined, journal: openJournal(dir, "run", "1") })
    for (const row of badAndGood()) recorder.record(row)
    await recorder.flush()
    expect([...table.stored.keys()].sort()).toEqual(["a", "b", "c"])
    expect(recorder.pending()).toBe(2)
    expect(segmentsIn(dir).length).toBeGreaterThan(0)
    expect(alerts.some((line) => line.includes("refused it too") && line.includes('"id":"huge"'))).toBe(true)
    quarantinePuts.down = false
    // Set aside once the table is seen storing rows again (a call came meanwhile).
    recorder.record(testRow("later", { tenant: "other" }))
    await recorder.close()
    expect([...quarantinePuts.rows.keys()].sort()).toEqual(["huge", "x"])
    expect(recorder.pending()).toBe(0)
    expect(segmentsIn(dir)).toEqual([])
  })
})

/** A copy of a journal folder, so a "next run" can replay it while this one goes on. */
function copyOfDir(dir: string): string {
  const copy = tempDir()
  cpSync(dir, copy, { recursive: true })
  return copy
}
