import { GatewayFailure, type GenerateChunk } from "@harper-gateway/translate"
import type { ChunkBatch } from "../backend.ts"
import { describe, expect, it } from "vitest"
import type { ModelCallRecord } from "../accounting/model-call-record.ts"
import { charOutputCounter } from "../accounting/output-counter.ts"
import { NO_ADMISSION } from "../admission.ts"
import { SYSTEM_CLOCK } from "../routing/system-clock.ts"
import { AccountedStream } from "./accounted-stream.ts"
import { CallAdmissions } from "./call-admissions.ts"
import { callRow, newCall } from "./call-subject.ts"
import type { CallDeps } from "./call-types.ts"
import { StreamTally } from "./stream-tally.ts"

function setup(upstream: AsyncIterator<ChunkBatch>) {
  const rows: ModelCallRecord[] = []
  const events: string[] = []
  const deps: CallDeps = { recorder: { started: () => undefined, record: (row) => void rows.push(row) }, options: {}, clock: SYSTEM_CLOCK }
  const subject = callRow(newCall({ tenant: "t", user: "u", endpoint: "chat.completions", signal: new AbortController().signal }, { requested: "m", logical: "m" }, true))
  const admissions = new CallAdmissions({ ...NO_ADMISSION, settle: (tokens) => void events.push(`settled ${tokens}`) })
  const stream = new AccountedStream(deps, upstream, {
    subject,
    route: { backend: { name: "b" }, upstreamModel: "up" },
    admissions,
    tally: new StreamTally(subject, charOutputCounter()),
    release: () => void events.push("released"),
  })
  return { rows, events, stream }
}

/** An upstream giving `batches`, one a read, failing at read `failAt` if given. */
function upstreamOf(batches: readonly ChunkBatch[], options: { readonly failAt?: number } = {}) {
  let index = 0
  const calls: string[] = []
  const iterator: AsyncIterator<ChunkBatch> = {
    async next() {
      calls.push("next")
      if (index === options.failAt) throw new GatewayFailure({ _tag: "UpstreamUnavailable" })
      const batch = batches[index++]
      return batch === undefined ? { done: true, value: undefined } : { done: false, value: batch }
    },
    async return() {
      calls.push("return")
      return { done: true, value: undefined }
    },
  }
  return { iterator, calls }
}

describe("AccountedStream", () => {
  it("writes the row of a stream left before its rest was read: aborted, billed what the first chunk streamed, settled once", async () => {
    const upstream = upstreamOf([[{ deltaContent: "never read" }]])
    const { rows, events, stream } = setup(upstream.iterator)
    stream.begin({ done: false, value: [{ deltaContent: "12345678" }] })
    await stream.return()
    await stream.return()
    expect(upstream.calls).toEqual(["return"])
    expect(rows.map((r) => [r.outcome, r.errorCode, r.completionTokens, r.tokensEstimated])).toEqual([["aborted", "cancelled", 2, true]])
    expect(events).toEqual(["released", "settled 2"])
  })

  it("ends at the upstream's end with one success row; reading on after the end reads nothing more", async () => {
    const upstream = upstreamOf([[{ deltaContent: "ab" }], [{ finishReason: "stop", usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 } }]])
    const { rows, events, stream } = setup(upstream.iterator)
    stream.begin(await upstream.iterator.next())
    const seen: GenerateChunk[] = []
    for await (const batch of stream) seen.push(...batch)
    expect(await stream.next()).toEqual({ done: true, value: undefined })
    expect(seen.map((c) => c.finishReason)).toEqual(["stop"])
    expect(rows.map((r) => [r.outcome, r.totalTokens, r.finishReason, r.tokensEstimated])).toEqual([["success", 4, "stop", false]])
    expect(events).toEqual(["released", "settled 4"])
  })

  it("an upstream failure mid-stream is the reader's rejection and one error row; the upstream is not asked to return", async () => {
    const upstream = upstreamOf([[{ deltaContent: "ab" }]], { failAt: 1 })
    const { rows, stream } = setup(upstream.iterator)
    stream.begin(await upstream.iterator.next())
    await expect(stream.next()).rejects.toMatchObject({ reason: { _tag: "UpstreamUnavailable" } })
    await stream.return()
    expect(upstream.calls).toEqual(["next", "next"])
    expect(rows.map((r) => [r.outcome, r.status])).toEqual([["error", 503]])
  })

  it("tallies every chunk of a batch: one read's text, the finish and the usage that came with it in the same step", async () => {
    const upstream = upstreamOf([[{ deltaContent: "1234" }, { deltaContent: "5678" }, { finishReason: "length", usage: { promptTokens: 2, completionTokens: 7, totalTokens: 9 } }]])
    const { rows, stream } = setup(upstream.iterator)
    stream.begin({ done: false, value: [{ deltaContent: "ab" }, { deltaContent: "cd" }] })
    const batches: ChunkBatch[] = []
    for await (const batch of stream) batches.push(batch)
    expect(batches.map((batch) => batch.length)).toEqual([3])
    expect(rows.map((r) => [r.outcome, r.completionTokens, r.totalTokens, r.finishReason, r.tokensEstimated])).toEqual([["success", 7, 9, "length", false]])
  })

  it("bills every chunk of the first batch when the reader leaves before the rest (estimated from 16 characters: 4 tokens)", async () => {
    const { rows, stream } = setup(upstreamOf([]).iterator)
    stream.begin({ done: false, value: [{ deltaContent: "12345678" }, { deltaContent: "abcdefgh" }] })
    await stream.return()
    expect(rows.map((r) => [r.outcome, r.completionTokens, r.tokensEstimated])).toEqual([["aborted", 4, true]])
  })

  it("an empty stream ends at its first step", () => {
    const { rows, stream } = setup(upstreamOf([]).iterator)
    stream.begin({ done: true, value: undefined })
    expect(rows.map((r) => r.outcome)).toEqual(["success"])
  })
})
