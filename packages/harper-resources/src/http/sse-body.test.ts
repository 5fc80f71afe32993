import type { ChunkBatch } from "@harper-gateway/models"
import { afterEach, describe, expect, it } from "vitest"
import { sseBody } from "./chat-completions.ts"

const identity = { id: "chatcmpl-1", created: 1, model: "m" }
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)

afterEach(() => {
  process.off("unhandledRejection", onUnhandled)
})

describe("the SSE body", () => {
  it("leaves no rejection unhandled when the client goes away right after the first event", async () => {
    process.on("unhandledRejection", onUnhandled)
    let rejectPending: (error: Error) => void = () => undefined
    // The upstream: a first chunk, then a read that fails once the stream is stopped (as an aborted socket does).
    const upstream: AsyncIterator<ChunkBatch> = {
      next: () => new Promise<IteratorResult<ChunkBatch>>((_, reject) => (rejectPending = reject)),
      return: async () => {
        rejectPending(new Error("aborted"))
        return { done: true, value: undefined }
      },
    }
    const body = sseBody({ done: false, value: [{ deltaContent: "" }] }, upstream, identity, false)
    const first = await body.next()
    expect(String(first.value)).toContain('"role":"assistant"')
    await body.return(undefined) // the client left
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(unhandled).toEqual([])
  })

  it("sends each batch (one upstream read) as one write, the first batch's at once, and [DONE] as the last", async () => {
    const batches: ChunkBatch[] = [[{ deltaContent: "c" }, { deltaContent: "d" }, { deltaContent: "e" }], [{ finishReason: "stop" }]]
    const upstream: AsyncIterator<ChunkBatch> = {
      next: async () => {
        const value = batches.shift()
        return value === undefined ? { done: true, value: undefined } : { done: false, value }
      },
    }
    const writes: string[] = []
    for await (const text of sseBody({ done: false, value: [{ deltaContent: "a" }, { deltaContent: "b" }] }, upstream, identity, false)) writes.push(text)
    const contents = (text: string) => [...text.matchAll(/"content":"(\w*)"/g)].map((match) => match[1])
    // The first write: the first read's two texts (the role on the first).
    expect(writes.map(contents)).toEqual([["a", "b"], ["c", "d", "e"], [], []])
    expect(writes[0]).toContain('"role":"assistant"')
    expect(writes[2]).toContain('"finish_reason":"stop"')
    expect(writes[3]).toBe("data: [DONE]\n\n")
  })
})
