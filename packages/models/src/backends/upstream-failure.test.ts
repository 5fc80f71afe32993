import { GatewayFailure } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { upstreamFailure } from "./upstream-failure.ts"

const live = new AbortController().signal
const error = (code: string) => Object.assign(new Error(code), { code })

describe("upstreamFailure", () => {
  it("maps the HTTP client's timeouts to their phase and transport failures to an unavailable upstream", () => {
    expect(upstreamFailure(error("UND_ERR_CONNECT_TIMEOUT"), live).reason).toEqual({ _tag: "UpstreamTimeout", phase: "connect" })
    expect(upstreamFailure(error("UND_ERR_HEADERS_TIMEOUT"), live).reason).toEqual({ _tag: "UpstreamTimeout", phase: "first_byte" })
    expect(upstreamFailure(error("UND_ERR_BODY_TIMEOUT"), live).reason).toEqual({ _tag: "UpstreamTimeout", phase: "idle" })
    expect(upstreamFailure(new Error("fetch failed", { cause: error("ECONNREFUSED") }), live).reason).toEqual({ _tag: "UpstreamUnavailable" })
    expect(upstreamFailure(error("UND_ERR_RESPONSE_STATUS_CODE"), live).reason).toMatchObject({ _tag: "UpstreamError", code: "upstream_transport_error" })
  })

  it("a throw without any network code is the gateway's own failure (a bug in a mapper, a value it cannot send), not the upstream's", () => {
    expect(upstreamFailure(new TypeError("Do not know how to serialize a BigInt"), live).reason).toMatchObject({ _tag: "Internal" })
    expect(upstreamFailure(new Error("weird"), live).reason).toMatchObject({ _tag: "Internal" })
    expect(upstreamFailure("a string", live).reason).toMatchObject({ _tag: "Internal" })
  })

  it("calls anything after the client left a cancellation, and keeps reasons it is given", () => {
    const aborted = new AbortController()
    aborted.abort()
    expect(upstreamFailure(error("UND_ERR_ABORTED"), aborted.signal).reason).toEqual({ _tag: "Cancelled" })
    expect(upstreamFailure(new GatewayFailure({ _tag: "QuotaExhausted" }), live).reason).toEqual({ _tag: "QuotaExhausted" })
  })

  it("describes a thrown non-Error readably, never as [object Object]", () => {
    // A throw without a network code is the gateway's own (never retried or counted toward a cooldown).
    expect(upstreamFailure({ message: "Cannot serialize BigInt to JSON" }, live).reason).toEqual({ _tag: "Internal", detail: "Cannot serialize BigInt to JSON" })
  })
})
