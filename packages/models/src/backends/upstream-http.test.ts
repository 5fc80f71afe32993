import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { GatewayFailure, type GenerateChunk } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createUpstreamHttp, SSE_FRAMING } from "./upstream-http.ts"

/** Streams the server sends, one write a string. */
const STREAMS: Readonly<Record<string, readonly string[]>> = {
  "/two-reads": ["data: a\n\ndata: b\n\ndata: c", "\n\ndata: d\n\n"],
  "/fails-mid-read": ["data: a\n\ndata: bad\n\ndata: never\n\n"],
}

let server: Server
let requests = 0
let baseUrl = ""
beforeAll(async () => {
  server = createServer((req, res) => {
    requests++
    const reads = STREAMS[req.url ?? ""]
    if (reads === undefined) return void res.writeHead(200, { "content-type": "application/json" }).end("{}")
    res.writeHead(200, { "content-type": "text/event-stream" })
    // Each string is one write, 30 ms apart, so the gateway reads it as its own network read.
    const send = (index: number): void => {
      const read = reads[index]
      if (read === undefined) return void res.end()
      res.write(read)
      setTimeout(() => send(index + 1), 30)
    }
    send(0)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const http = () =>
  createUpstreamHttp({
    baseUrl,
    headers: {},
    timeouts: { connectMs: 5_000, firstByteMs: 5_000, idleMs: 5_000, bodyMs: 5_000, totalMs: 10_000 },
    maxErrorBytes: 1_000,
    errorOf: () => ({ _tag: "UpstreamError" }),
    errorStatusOf: () => undefined,
  })
const context = () => ({ signal: new AbortController().signal })
const reasonOf = (error: unknown) => (error instanceof GatewayFailure ? error.reason : undefined)

describe("a body the gateway cannot serialise", () => {
  it("is the gateway's own internal failure, before any upstream request (never an upstream's, so never retried or counted toward a cooldown)", async () => {
    const before = requests
    const failure = await http()
      .postJson(context(), "/x", { parameters: { maximum: 2n ** 60n } }, 1_000, (answer) => ({ ok: true, value: answer }))
      .catch((error: unknown) => error)
    expect(reasonOf(failure)).toMatchObject({ _tag: "Internal" })
    const streamed = await (async () => {
      for await (const _chunk of http().postStream(context(), "/x", { n: 1n }, SSE_FRAMING, () => [])) return "chunk"
      return "done"
    })().catch((error: unknown) => error)
    expect(reasonOf(streamed)).toMatchObject({ _tag: "Internal" })
    expect(requests).toBe(before)
  })

  it("a body that serialises is sent", async () => {
    const before = requests
    expect(await http().postJson(context(), "/x", { n: 1 }, 1_000, (answer) => ({ ok: true, value: answer }))).toEqual({})
    expect(requests).toBe(before + 1)
  })
})

/** Each payload as one chunk of that text; `bad` is a decode failure, as a protocol's in-stream error is. */
function decodeText(payload: string | undefined): GenerateChunk[] {
  if (payload === "bad") throw new GatewayFailure({ _tag: "UpstreamError", code: "stream_error" })
  return payload === undefined ? [] : [{ deltaContent: payload }]
}

async function batchesOf(path: string): Promise<{ readonly texts: string[][]; readonly failure?: unknown }> {
  const texts: string[][] = []
  try {
    for await (const batch of http().postStream(context(), path, {}, SSE_FRAMING, decodeText)) texts.push(batch.map((chunk) => chunk.deltaContent ?? ""))
  } catch (failure) {
    return { texts, failure }
  }
  return { texts }
}

describe("a stream's batches", () => {
  it("are one per network read: every event a read completed, in order, and no empty batch for a read that completed none", async () => {
    expect(await batchesOf("/two-reads")).toEqual({ texts: [["a", "b"], ["c", "d"]] })
  })

  it("keep the chunks decoded before a failure in the same read, and the failure rejects the next read (nothing after it is given)", async () => {
    const { texts, failure } = await batchesOf("/fails-mid-read")
    expect(texts).toEqual([["a"]])
    expect(reasonOf(failure)).toMatchObject({ _tag: "UpstreamError", code: "stream_error" })
  })
})
