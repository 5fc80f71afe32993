import { Worker } from "node:worker_threads"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { adjustWindow, peekWindow, releaseGauge, takeFromWindow, takeGauge } from "./window-counter.ts"

const slots = () => new BigInt64Array(new SharedArrayBuffer(64))

describe("fixed-window counter", () => {
  it("admits exactly the limit in a window and again in the next", () => {
    const s = slots()
    const admitted = Array.from({ length: 15 }, () => takeFromWindow(s, 0, 10_500, 1_000, 1, 10).ok).filter(Boolean).length
    expect(admitted).toBe(10)
    expect(takeFromWindow(s, 0, 10_999, 1_000, 1, 10)).toEqual({ ok: false, used: 10, resetMs: 1 })
    expect(takeFromWindow(s, 0, 11_000, 1_000, 1, 10)).toEqual({ ok: true, used: 1, resetMs: 1_000 })
  })

  it("never lets the count pass the limit, whatever the sequence of takes and adjustments", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: -50, max: 50 }))), fc.integer({ min: 1, max: 200 }), (ops, limit) => {
        const s = slots()
        for (const [amount, delta] of ops) {
          const before = peekWindow(s, 0, 5, 1_000).used
          const taken = takeFromWindow(s, 0, 5, 1_000, amount, limit)
          expect(taken.ok).toBe(before + amount <= limit)
          if (delta < 0) adjustWindow(s, 0, 5, 5, 1_000, delta)
          expect(peekWindow(s, 0, 5, 1_000).used).toBeGreaterThanOrEqual(0)
          expect(peekWindow(s, 0, 5, 1_000).used).toBeLessThanOrEqual(limit)
        }
      }),
    )
  })

  it("does not adjust a window that has passed", () => {
    const s = slots()
    takeFromWindow(s, 0, 1_500, 1_000, 5, 10)
    adjustWindow(s, 0, 1_500, 2_100, 1_000, -5)
    expect(peekWindow(s, 0, 1_600, 1_000).used).toBe(5)
    expect(peekWindow(s, 0, 2_100, 1_000).used).toBe(0)
  })

  it("gauges stay within their limit and never go below zero", () => {
    const s = slots()
    expect([takeGauge(s, 1, 2).ok, takeGauge(s, 1, 2).ok, takeGauge(s, 1, 2).ok]).toEqual([true, true, false])
    releaseGauge(s, 1)
    releaseGauge(s, 1)
    releaseGauge(s, 1)
    expect(takeGauge(s, 1, 1)).toEqual({ ok: true, used: 1 })
  })

  it("four threads racing on one slot admit exactly the limit", async () => {
    const buffer = new SharedArrayBuffer(64)
    const source = `
      const { workerData, parentPort } = require("node:worker_threads")
      const s = new BigInt64Array(workerData)
      let ok = 0
      for (let i = 0; i < 20000; i++) {
        for (;;) {
          const packed = Atomics.load(s, 0)
          const used = packed >> 32n === 7n ? Number(packed & 0xffffffffn) : 0
          if (used + 1 > 30000) break
          if (Atomics.compareExchange(s, 0, packed, (7n << 32n) | BigInt(used + 1)) === packed) { ok++; break }
        }
      }
      parentPort.postMessage(ok)`
    // The worker runs the same algorithm on window 7 (7_000 ms of 1_000 ms windows); the main thread takes through the module.
    const workers = Array.from({ length: 3 }, () => new Worker(source, { eval: true, workerData: buffer }))
    const s = new BigInt64Array(buffer)
    let mine = 0
    for (let i = 0; i < 20_000; i++) if (takeFromWindow(s, 0, 7_000, 1_000, 1, 30_000).ok) mine++
    const theirs = await Promise.all(workers.map((worker) => new Promise<number>((resolve) => worker.once("message", resolve))))
    expect(mine + theirs.reduce((a, b) => a + b, 0)).toBe(30_000)
  })
})
