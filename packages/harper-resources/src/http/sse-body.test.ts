import type { GenerateChunk } from "@harper-gateway/translate"
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
    const upstream: AsyncIterator<GenerateChunk> = {
      next: () => new Promise<IteratorResult<GenerateChunk>>((_, reject) => (rejectPending = reject)),
      return: async () => {
        rejectPending(new Error("aborted"))
        return { done: true, value: undefined }
      },
    }
    const body = sseBody({ done: false, value: { deltaContent: "" } }, upstream, identity, false)
    const first = await body.next()
    expect(String(first.value)).toContain('"role":"assistant"')
    await body.return(undefined) // the client left
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(unhandled).toEqual([])
  })
})
