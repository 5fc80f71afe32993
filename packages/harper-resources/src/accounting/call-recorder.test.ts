import { mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { createCallRecorder } from "./call-recorder.ts"
import { leftoverSegments, openJournal, readSegment } from "./journal.ts"
import type { ModelCallRecord } from "./model-call-record.ts"

const row = (id: string): ModelCallRecord => ({
  id,
  time: 1,
  tenant: "t",
  user: "u",
  endpoint: "chat.completions",
  logicalModel: "m",
  backend: "echo",
  upstreamModel: "m",
  stream: false,
  promptTokens: 1,
  completionTokens: 1,
  totalTokens: 2,
  cachedTokens: null,
  reasoningTokens: null,
  tokensEstimated: false,
  latencyMs: 1,
  ttftMs: 1,
  outcome: "success",
  errorCode: null,
  status: 200,
})

describe("the call recorder", () => {
  it("writes in batches, keeps rows and their journal through a failed write, and removes the journal once stored", async () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-"))
    const stored: string[] = []
    let failNext = true
    const recorder = createCallRecorder({
      write: async (rows) => {
        if (failNext) {
          failNext = false
          throw new Error("disk full")
        }
        stored.push(...rows.map((r) => r.id))
      },
      flushIntervalMs: 60_000,
      maxBatch: 2,
      onError: () => undefined,
      journal: openJournal(dir, "p1-1"),
    })
    recorder.record(row("a"))
    await recorder.flush() // fails: kept
    expect(stored).toEqual([])
    expect(recorder.pending()).toBe(1)
    expect(readdirSync(dir).length).toBe(1)
    recorder.record(row("b"))
    recorder.record(row("c"))
    await recorder.close()
    expect(stored).toEqual(["a", "b", "c"])
    expect(recorder.pending()).toBe(0)
    expect(readdirSync(dir)).toEqual([])
  })

  it("leaves a journal another process can replay when it never flushed", () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-"))
    const journal = openJournal(dir, "4242-1")
    journal.append(row("x"))
    journal.append(row("y"))
    expect(leftoverSegments(dir, "4242-")).toEqual([])
    const [segment] = leftoverSegments(dir, "999-")
    expect(segment).toBeDefined()
    expect(readSegment(segment ?? "").map((r) => r.id)).toEqual(["x", "y"])
  })
})
