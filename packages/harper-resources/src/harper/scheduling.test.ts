import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { claimRound, everyIntervalOnOneThread, retryWithBackoff } from "./scheduling.ts"

const slots = () => new BigInt64Array(new SharedArrayBuffer(8))

describe("claimRound", () => {
  it("lets one claim through per round, and the next once three quarters of an interval have passed", () => {
    const shared = slots()
    expect(claimRound(shared, 10_000, 1_000)).toBe(true)
    expect(claimRound(shared, 10_000, 1_000)).toBe(false)
    expect(claimRound(shared, 10_749, 1_000)).toBe(false)
    expect(claimRound(shared, 10_750, 1_000)).toBe(true)
    expect(Atomics.load(shared, 0)).toBe(11_500n)
  })
})

describe("everyIntervalOnOneThread", () => {
  beforeEach(() => void vi.useFakeTimers())
  afterEach(() => void vi.useRealTimers())

  it("runs the task about once an interval between two threads' timers", async () => {
    const shared = slots()
    let runs = 0
    const task = async () => void (runs += 1)
    const stops = [0, 1].map(() => everyIntervalOnOneThread({ task, slots: shared, intervalMs: 1_000, onError: () => undefined }, Date.now))
    await vi.advanceTimersByTimeAsync(10_000)
    for (const stop of stops) stop()
    expect(runs).toBe(10)
  })

  it("does not start a round while one is still running, and tells failures", async () => {
    let started = 0
    const errors: unknown[] = []
    const stop = everyIntervalOnOneThread(
      {
        task: () => {
          started += 1
          return new Promise((_resolve, reject) => setTimeout(() => reject(new Error("peer unreachable")), 2_500))
        },
        slots: slots(),
        intervalMs: 1_000,
        onError: (error) => errors.push(error),
      },
      Date.now,
    )
    // The first round starts at 1 s and fails at 3.5 s: the ticks at 2 s and 3 s find it running.
    await vi.advanceTimersByTimeAsync(3_600)
    expect(started).toBe(1)
    expect(errors).toEqual([new Error("peer unreachable")])
    await vi.advanceTimersByTimeAsync(400)
    stop()
    expect(started).toBe(2)
  })
})

describe("retryWithBackoff", () => {
  beforeEach(() => void vi.useFakeTimers())
  afterEach(() => void vi.useRealTimers())

  it("retries after 2, 4 and 8 seconds until the task succeeds, numbering the attempts", async () => {
    const startedAt: number[] = []
    const attempts: number[] = []
    const start = Date.now()
    retryWithBackoff(
      async () => {
        startedAt.push(Date.now() - start)
        if (startedAt.length < 4) throw new Error("table closed")
      },
      (_error, attempt) => attempts.push(attempt),
    )
    await vi.advanceTimersByTimeAsync(120_000)
    expect(startedAt).toEqual([0, 2_000, 6_000, 14_000])
    expect(attempts).toEqual([1, 2, 3])
  })

  it("waits at most a minute between attempts", async () => {
    const startedAt: number[] = []
    const start = Date.now()
    retryWithBackoff(
      async () => {
        startedAt.push(Date.now() - start)
        if (startedAt.length < 8) throw new Error("table closed")
      },
      () => undefined,
    )
    await vi.advanceTimersByTimeAsync(600_000)
    const waits = startedAt.slice(1).map((at, index) => at - (startedAt[index] ?? 0))
    expect(waits).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000])
  })
})
