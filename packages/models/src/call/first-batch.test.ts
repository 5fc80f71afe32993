import { describe, expect, it } from "vitest"
import type { AnsweredBatch } from "../backend.ts"
import { firstBatchOf } from "./first-batch.ts"

async function* batches(...values: readonly AnsweredBatch[]): AsyncGenerator<AnsweredBatch> {
  for (const value of values) yield value
}

describe("firstBatchOf", () => {
  it("takes the upstream's headers off the first chunk, keeping the batch's other chunks", async () => {
    const opened = await firstBatchOf(batches([{ deltaContent: "a", upstreamHeaders: { "x-upstream-request-id": "req_1" } }, { deltaContent: "b" }], [{ deltaContent: "c" }]))
    expect(opened.upstreamHeaders).toEqual({ "x-upstream-request-id": "req_1" })
    expect(opened.first).toEqual({ done: false, value: [{ deltaContent: "a" }, { deltaContent: "b" }] })
    expect(await opened.iterator.next()).toEqual({ done: false, value: [{ deltaContent: "c" }] })
  })

  it("gives an empty stream as done, without headers", async () => {
    const opened = await firstBatchOf(batches())
    expect(opened.first.done).toBe(true)
    expect(opened.upstreamHeaders).toBeUndefined()
  })

  it("closes the stream and rethrows when the first read fails (so the attempt may be retried)", async () => {
    let closed = false
    const failing: AsyncIterable<AnsweredBatch> = {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new Error("refused")),
        return: async () => {
          closed = true
          return { done: true, value: undefined }
        },
      }),
    }
    await expect(firstBatchOf(failing)).rejects.toThrow("refused")
    expect(closed).toBe(true)
  })
})
