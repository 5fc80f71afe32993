import { Worker } from "node:worker_threads"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { adjustWindow, peekWindow, releaseGauge, takeFromWindow, takeGauge } from "./window-counter.ts"

const slots = () => new BigInt64Array(new SharedArrayBuffer(64))
/** Slot 0 of `s`, 1 s windows; `carryAbove` for a token window. */
const counter = (s: BigInt64Array, carryAbove?: number) => ({ slots: s, index: 0, windowMs: 1_000, ...(carryAbove === undefined ? {} : { carryAbove }) })

describe("fixed-window counter", () => {
  it("admits exactly the limit in a window and again in the next", () => {
    const s = slots()
    const admitted = Array.from({ length: 15 }, () => takeFromWindow(counter(s), 10_500, { amount: 1, limit: 10 }).ok).filter(Boolean).length
    expect(admitted).toBe(10)
    expect(takeFromWindow(counter(s), 10_999, { amount: 1, limit: 10 })).toEqual({ ok: false, used: 10, resetMs: 1 })
    expect(takeFromWindow(counter(s), 11_000, { amount: 1, limit: 10 })).toEqual({ ok: true, used: 1, resetMs: 1_000 })
  })

  it("never lets the count pass the limit, whatever the sequence of takes and adjustments", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: -50, max: 50 }))), fc.integer({ min: 1, max: 200 }), (ops, limit) => {
        const s = slots()
        for (const [amount, delta] of ops) {
          const before = peekWindow(counter(s), 5).used
          const taken = takeFromWindow(counter(s), 5, { amount, limit })
          expect(taken.ok).toBe(before + amount <= limit)
          if (delta < 0) adjustWindow(counter(s), { takenAtMs: 5, nowMs: 5, delta })
          expect(peekWindow(counter(s), 5).used).toBeGreaterThanOrEqual(0)
          expect(peekWindow(counter(s), 5).used).toBeLessThanOrEqual(limit)
        }
      }),
    )
  })

  it("gives nothing back to a window that has passed, and a window without carry starts at 0", () => {
    const s = slots()
    takeFromWindow(counter(s), 1_500, { amount: 5, limit: 10 })
    takeFromWindow(counter(s), 2_050, { amount: 1, limit: 10 })
    adjustWindow(counter(s), { takenAtMs: 1_500, nowMs: 2_100, delta: -5 })
    expect(peekWindow(counter(s), 2_100).used).toBe(1)
  })

  it("carries a count settled past the limit into the next windows, less the limit per window, so over time the limit holds", () => {
    const s = slots()
    const tokens = counter(s, 10_000)
    expect(takeFromWindow(tokens, 1_500, { amount: 100, limit: 10_000 }).ok).toBe(true)
    // Settled in its own window at 50,005: 40,005 carried into the next, 30,005 into the one after, …
    adjustWindow(tokens, { takenAtMs: 1_500, nowMs: 1_900, delta: 49_905 })
    expect(peekWindow(tokens, 1_900).used).toBe(50_005)
    expect(peekWindow(tokens, 2_000).used).toBe(40_005)
    expect(takeFromWindow(tokens, 2_000, { amount: 1, limit: 10_000 }).ok).toBe(false)
    expect(peekWindow(tokens, 5_999).used).toBe(10_005)
    expect(takeFromWindow(tokens, 6_000, { amount: 9_995, limit: 10_000 })).toEqual({ ok: true, used: 10_000, resetMs: 1_000 })
    // Without carry (a request window) the next window starts empty whatever the count.
    const requests = slots()
    adjustWindow(counter(requests), { takenAtMs: 1_500, nowMs: 1_500, delta: 50 })
    expect(peekWindow(counter(requests), 2_000).used).toBe(0)
  })

  it("carries an overshoot settled after its window ended into the current one", () => {
    const s = slots()
    const tokens = counter(s, 1_000)
    takeFromWindow(tokens, 1_500, { amount: 900, limit: 1_000 })
    takeFromWindow(tokens, 2_100, { amount: 200, limit: 1_000 })
    // The call admitted at 1,500 with 900 settles 5,000 at 2,200: 4,100 more, in the window now current.
    adjustWindow(tokens, { takenAtMs: 1_500, nowMs: 2_200, delta: 4_100 })
    expect(peekWindow(tokens, 2_200).used).toBe(4_300)
    expect(peekWindow(tokens, 3_000).used).toBe(3_300)
  })

  it("however far calls settle past their estimate, what is billed over W windows stays within W limits plus what is still carried", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5_000 })), { minLength: 1, maxLength: 300 }), (calls) => {
        const tokens = counter(slots(), 1_000)
        let billed = 0
        let window = 0
        for (const [nextWindow, used] of calls) {
          if (nextWindow) window++
          const now = window * 1_000 + 500
          // Admitted with an estimate of 10; settles what it reported.
          if (takeFromWindow(tokens, now, { amount: 10, limit: 1_000 }).ok) {
            adjustWindow(tokens, { takenAtMs: now, nowMs: now, delta: used - 10 })
            billed += used
          }
        }
        const carried = peekWindow(tokens, (window + 1) * 1_000).used
        expect(billed).toBeLessThanOrEqual((window + 1) * 1_000 + carried)
        expect(carried).toBeLessThanOrEqual(5_000)
      }),
    )
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
    for (let i = 0; i < 20_000; i++) if (takeFromWindow(counter(s), 7_000, { amount: 1, limit: 30_000 }).ok) mine++
    const theirs = await Promise.all(workers.map((worker) => new Promise<number>((resolve) => worker.once("message", resolve))))
    expect(mine + theirs.reduce((a, b) => a + b, 0)).toBe(30_000)
  })
})
