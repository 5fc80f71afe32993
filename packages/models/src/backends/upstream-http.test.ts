import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { GatewayFailure } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createUpstreamHttp, SSE_FRAMING } from "./upstream-http.ts"

let server: Server
let requests = 0
let baseUrl = ""
beforeAll(async () => {
  server = createServer((_req, res) => {
    requests++
    res.writeHead(200, { "content-type": "application/json" }).end("{}")
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

describe("an answer read from its bytes", () => {
  it("is the reader's value when it gives one, the answer never parsed", async () => {
    const seen: string[] = []
    const value = await http().postJson(context(), "/x", { n: 1 }, 1_000, {
      read: (bytes) => {
        seen.push(new TextDecoder().decode(bytes))
        return "read"
      },
      map: () => ({ ok: true, value: "mapped" }),
    })
    expect([value, seen]).toEqual(["read", ["{}"]])
  })

  it("is parsed and mapped as usual when the reader leaves it", async () => {
    const value = await http().postJson(context(), "/x", { n: 1 }, 1_000, { read: () => undefined, map: (answer) => ({ ok: true, value: answer }) })
    expect(value).toEqual({})
  })
})
