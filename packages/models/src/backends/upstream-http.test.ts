import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { GatewayFailure, type GenerateChunk } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { UpstreamAnswerFailure } from "./upstream-answer-failure.ts"
import { createUpstreamHttp, SSE_FRAMING } from "./upstream-http.ts"

// OpenAI's documented answer headers (API reference "Debugging requests"; "Rate limits" guide), and a proxy's own.
const OPENAI_HEADERS = {
  "openai-organization": "user-abc123",
  "openai-processing-ms": "151",
  "openai-version": "2020-10-01",
  "x-request-id": "req_9f2c1e7a0b",
  "x-ratelimit-remaining-requests": "59",
  "x-ratelimit-reset-tokens": "6m0s",
  via: "1.1 internal-proxy.corp.example",
}
const KEPT = { "openai-processing-ms": "151", "openai-version": "2020-10-01", "x-upstream-request-id": "req_9f2c1e7a0b", "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-tokens": "6m0s" }

/** Streams the server sends, one write a string. */
const STREAMS: Readonly<Record<string, readonly string[]>> = {
  "/two-reads": ["data: a\n\ndata: b\n\ndata: c", "\n\ndata: d\n\n"],
  "/fails-mid-read": ["data: a\n\ndata: bad\n\ndata: never\n\n"],
}

let server: Server
/** Called by the reader for each batch it took; set by the server for its write in flight. */
let batchTaken: () => void = () => undefined
let requests = 0
let baseUrl = ""
beforeAll(async () => {
  server = createServer((req, res) => {
    requests++
    if (req.url === "/limited") return void res.writeHead(429, { ...OPENAI_HEADERS, "content-type": "application/json" }).end('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}')
    if (req.url === "/stream") return void res.writeHead(200, { ...OPENAI_HEADERS, "content-type": "text/event-stream" }).end("data: one\n\ndata: two\n\n")
    const reads = STREAMS[req.url ?? ""]
    if (reads === undefined) return void res.writeHead(200, { ...(req.url === "/headers" ? OPENAI_HEADERS : {}), "content-type": "application/json" }).end("{}")
    res.writeHead(200, { "content-type": "text/event-stream" })
    // Each string is one write, and the next waits until the reader has taken this one's
    // batch: each is its own network read however slow the machine (no timing to race).
    const send = (index: number): void => {
      const read = reads[index]
      if (read === undefined) return void res.end()
      res.write(read)
      void new Promise<void>((resolve) => (batchTaken = resolve)).then(() => send(index + 1))
    }
    send(0)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const http = (options: { readonly exposeUpstreamOrganization?: boolean } = {}) =>
  createUpstreamHttp({
    ...options,
    baseUrl,
    headers: {},
    timeouts: { connectMs: 5_000, firstByteMs: 5_000, idleMs: 5_000, bodyMs: 5_000, totalMs: 10_000 },
    maxErrorBytes: 1_000,
    errorOf: (answer) => (answer.status === 429 ? { _tag: "RateLimited" } : { _tag: "UpstreamError" }),
    errorStatusOf: () => undefined,
  })
const context = () => ({ signal: new AbortController().signal })
const reasonOf = (error: unknown) => (error instanceof GatewayFailure ? error.reason : undefined)

describe("a body the gateway cannot serialise", () => {
  it("is the gateway's own internal failure, before any upstream request (never an upstream's, so never retried or counted toward a cooldown)", async () => {
    const before = requests
    const failure = await http()
      .postJson(context(), "/x", { parameters: { maximum: 2n ** 60n } }, 1_000, (answer) => ({ ok: true, value: { answer } }))
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
    expect(await http().postJson(context(), "/x", { n: 1 }, 1_000, (answer) => ({ ok: true, value: { answer } }))).toEqual({ answer: {} })
    expect(requests).toBe(before + 1)
  })
})

describe("the upstream's answer headers", () => {
  const asIs = (answer: unknown) => ({ ok: true as const, value: { answer } })

  it("a JSON answer carries the ones the allow-list keeps; openai-organization only when the config opts in", async () => {
    expect(await http().postJson(context(), "/headers", {}, 1_000, asIs)).toEqual({ answer: {}, upstreamHeaders: KEPT })
    expect(await http({ exposeUpstreamOrganization: true }).postJson(context(), "/headers", {}, 1_000, asIs)).toEqual({ answer: {}, upstreamHeaders: { ...KEPT, "openai-organization": "user-abc123" } })
  })

  it("a stream carries them on its first chunk only", async () => {
    const chunks = []
    for await (const batch of http().postStream(context(), "/stream", {}, SSE_FRAMING, (payload) => (payload === undefined ? [] : [{ deltaContent: payload }]))) chunks.push(...batch)
    expect(chunks).toEqual([{ deltaContent: "one", upstreamHeaders: KEPT }, { deltaContent: "two" }])
  })

  it("an error answer's failure carries them, for the client's error", async () => {
    const failure = await http()
      .postJson(context(), "/limited", {}, 1_000, asIs)
      .catch((error: unknown) => error)
    expect(reasonOf(failure)).toEqual({ _tag: "RateLimited" })
    expect(UpstreamAnswerFailure.headersOf(failure)).toEqual(KEPT)
    const streamed = await (async () => {
      for await (const _chunk of http().postStream(context(), "/limited", {}, SSE_FRAMING, () => [])) return "chunk"
      return "done"
    })().catch((error: unknown) => error)
    expect(UpstreamAnswerFailure.headersOf(streamed)).toEqual(KEPT)
  })
})

describe("an answer read from its bytes", () => {
  it("is the reader's value when it gives one, the answer never parsed", async () => {
    const seen: string[] = []
    const value = await http().postJson(context(), "/x", { n: 1 }, 1_000, {
      read: (bytes) => {
        seen.push(new TextDecoder().decode(bytes))
        return { v: "read" }
      },
      map: () => ({ ok: true, value: { v: "mapped" } }),
    })
    expect([value, seen]).toEqual([{ v: "read" }, ["{}"]])
  })

  it("is parsed and mapped as usual when the reader leaves it", async () => {
    const value = await http().postJson(context(), "/x", { n: 1 }, 1_000, { read: () => undefined, map: (answer) => ({ ok: true, value: { answer } }) })
    expect(value).toEqual({ answer: {} })
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
    for await (const batch of http().postStream(context(), path, {}, SSE_FRAMING, decodeText)) {
      texts.push(batch.map((chunk) => chunk.deltaContent ?? ""))
      batchTaken()
    }
  } catch (failure) {
    return { texts, failure }
  }
  return { texts }
}

describe("a stream's batches", () => {
  it("are one per network read: every event a read completed, in order, and no empty batch for a read that completed none", async () => {
    expect(await batchesOf("/two-reads")).toEqual({
      texts: [
        ["a", "b"],
        ["c", "d"],
      ],
    })
  })

  it("keep the chunks decoded before a failure in the same read, and the failure rejects the next read (nothing after it is given)", async () => {
    const { texts, failure } = await batchesOf("/fails-mid-read")
    expect(texts).toEqual([["a"]])
    expect(reasonOf(failure)).toMatchObject({ _tag: "UpstreamError", code: "stream_error" })
  })
})
