import { createServer } from "node:http"
import { GatewayFailure, succeed } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { listenOnLoopback } from "../../test/listen-loopback.ts"
import { createUpstreamHttp } from "./upstream-http.ts"

const timeouts = { connectMs: 5_000, firstByteMs: 5_000, idleMs: 5_000, totalMs: 10_000 }

describe("createUpstreamHttp", () => {
  it("calls a body it cannot serialise its own failure, with a readable detail, and sends nothing", async () => {
    let received = 0
    const server = createServer((_req, res) => {
      received++
      res.end("{}")
    })
    const { url, close } = await listenOnLoopback(server)
    try {
      const http = createUpstreamHttp({ baseUrl: url, headers: {}, timeouts, maxErrorBytes: 1024, errorOf: () => ({ _tag: "UpstreamError", code: "x" }) })
      const failure = await http.postJson({ signal: new AbortController().signal }, "/v1/x", { n: 1n }, 1024, succeed).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(failure).toBeInstanceOf(GatewayFailure)
      expect(GatewayFailure.reasonOf(failure)).toEqual({ _tag: "Internal" })
      expect(GatewayFailure.detailOf(failure)).toMatch(/could not be serialised: TypeError: .*BigInt/)
      expect(received).toBe(0)
    } finally {
      await close()
    }
  })
})
