import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import { describe, expect, it } from "vitest"
import { claimLeftovers, openJournal, readClaimed } from "./journal.ts"
import type { ModelCallRecord } from "@harper-gateway/models"
import { processRunId } from "./process-run-id.ts"
import { replayLeftovers } from "./replay-leftovers.ts"
import { testRow } from "../../../models/test/test-row.ts"

const tempDir = () => mkdtempSync(join(tmpdir(), "journal-"))

describe("the journal", () => {
  it("replays leftovers whose names carry this very process's pid (Harper as PID 1, restarted)", async () => {
    const dir = tempDir()
    // The layout before run ids: `<pid>-<thread>-<time>-<seq>.jsonl`, written by an earlier process with our pid.
    writeFileSync(join(dir, `${process.pid}-1-1700000000000-0.jsonl`), `${JSON.stringify(testRow("a"))}\n${JSON.stringify(testRow("b"))}\n`)
    // The current layout, written by an earlier run with our pid (its run id differs: another start).
    const earlier = openJournal(dir, "earlier-run", "1")
    earlier.append([testRow("c")])
    const stored: string[] = []
    const count = await replayLeftovers({
      directory: dir,
      runId: processRunId(),
      worker: "1",
      store: { write: async (rows) => void stored.push(...rows.map((r) => r.id)), quarantine: async () => Promise.reject(new Error("nothing to quarantine")) },
      maxBatch: 500,
      isStored: async () => false,
    })
    expect(stored.sort()).toEqual(["a", "b", "c"])
    expect(count).toBe(3)
    expect(readdirSync(dir)).toEqual([])
  })

  it("never lets a worker of the same run claim another's live segments; exactly one worker claims each leftover", () => {
    const dir = tempDir()
    for (const worker of ["1", "2", "3"]) openJournal(dir, "old", worker).append([testRow(`old-${worker}`)])
    const live = openJournal(dir, "now", "1")
    live.append([testRow("live")])
    const byWorker2 = claimLeftovers(dir, "now", "2")
    const byWorker3 = claimLeftovers(dir, "now", "3")
    const claimedIds = [...byWorker2, ...byWorker3].flatMap((folder) => readClaimed(folder).map((r) => r.id))
    expect(claimedIds.sort()).toEqual(["old-1", "old-2", "old-3"])
    expect(byWorker3).toEqual([]) // worker 2 took them all; worker 1's live folder was not touched
    live.append([testRow("still-live")])
    expect(readdirSync(dir).filter((name) => name === "now.1")).toEqual(["now.1"])
    expect(readdirSync(join(dir, "now.1")).length).toBe(1)
  })

  it("lets the next run re-claim a folder whose claimer died before storing it", () => {
    const dir = tempDir()
    openJournal(dir, "first", "1").append([testRow("x")])
    const [claimedBySecond] = claimLeftovers(dir, "second", "1") // then the second run crashes
    expect(claimedBySecond).toBeDefined()
    const byThird = claimLeftovers(dir, "third", "4")
    expect(byThird.flatMap((folder) => readClaimed(folder).map((r) => r.id))).toEqual(["x"])
  })

  it("keeps one row per call: the final row replaces the started line, in the same segment or a later one", () => {
    const dir = tempDir()
    mkdirSync(join(dir, "old.1"))
    const started = (id: string) => JSON.stringify(testRow(id, { outcome: "interrupted", status: null, latencyMs: null }))
    const done = (id: string) => JSON.stringify(testRow(id))
    writeFileSync(join(dir, "old.1", "1-000000.jsonl"), [started("same"), done("same"), started("later"), started("never")].join("\n"))
    writeFileSync(join(dir, "old.1", "2-000001.jsonl"), [done("later")].join("\n"))
    const [folder] = claimLeftovers(dir, "new", "1")
    expect(
      readClaimed(folder ?? "")
        .map((r) => [r.id, r.outcome])
        .sort(),
    ).toEqual([
      ["later", "success"],
      ["never", "interrupted"],
      ["same", "success"],
    ])
  })

  it("reads a claimed folder across segments, skipping a line cut by the crash", () => {
    const dir = tempDir()
    mkdirSync(join(dir, "old.1"))
    writeFileSync(join(dir, "old.1", "1-000000.jsonl"), `${JSON.stringify(testRow("p", { outcome: "interrupted", status: null, latencyMs: null }))}\n`)
    writeFileSync(join(dir, "old.1", "2-000001.jsonl"), `${JSON.stringify(testRow("p"))}\n{"id":"cut`)
    const [folder] = claimLeftovers(dir, "new", "1")
    expect(readClaimed(folder ?? "").map((r: ModelCallRecord) => [r.id, r.outcome])).toEqual([["p", "success"]])
  })
})

describe("the process run id", () => {
  it("is the same in every worker thread of a process", async () => {
    const source = `import { parentPort } from "node:worker_threads"; import { processRunId } from ${JSON.stringify(new URL("./process-run-id.ts", import.meta.url).href)}; parentPort.postMessage(processRunId())`
    const fromWorker = await new Promise<unknown>((resolve, reject) => {
      const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`))
      worker.once("message", resolve)
      worker.once("error", reject)
    })
    expect(fromWorker).toBe(processRunId())
  })

  it("differs between two starts with the same pid and boot", () => {
    const stat = (ticks: string) => `1 (harper (main)) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 11 0 ${ticks} 100 200`
    const read = (ticks: string) => (path: string) => (path.endsWith("boot_id") ? "f7abe2f6-2218-40a8-9290-a12dfe3d7097\n" : stat(ticks))
    expect(processRunId(read("26577"))).not.toBe(processRunId(read("31022")))
    expect(processRunId(read("26577"))).toBe(processRunId(read("26577")))
  })
})
