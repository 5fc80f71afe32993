import { fromUpstreamError, type GatewayError } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { failureSource } from "./failure-source.ts"

const upstream = (status: number, body = "{}"): GatewayError => fromUpstreamError({ status, body, header: () => undefined }, 0)

describe("whose failure a deployment's cooldown counts", () => {
  it("the calling tenant's, when its request may have caused it (an upstream 5xx, 429, timeout after connecting)", () => {
    for (const error of [upstream(500), upstream(502), upstream(503), upstream(429), upstream(529), { _tag: "UpstreamTimeout", phase: "first_byte" } as const, { _tag: "UpstreamUnavailable" } as const]) {
      expect(failureSource(error, "tenant-b")).toBe("tenant-b")
    }
  })

  it("anyone's (null), when no request can cause it: the deployment's key refused, its model id unknown upstream, no connection", () => {
    for (const error of [upstream(401), upstream(403), upstream(404, JSON.stringify({ error: { code: "model_not_found", message: "no" } })), { _tag: "UpstreamTimeout", phase: "connect" } as const]) {
      expect(failureSource(error, "tenant-b")).toBeNull()
    }
  })
})
