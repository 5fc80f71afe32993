import { fromUpstreamError, isRetryable, toOpenAIError, type GatewayError } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { withoutRetry } from "./without-retry.ts"

const upstream = (status: number, headers: Record<string, string> = {}): GatewayError => fromUpstreamError({ status, body: "{}", header: (name) => headers[name] }, 0)

describe("a failure after the attempt budget is spent", () => {
  it("says x-should-retry: false for the upstream's retryable failures, keeping status and retry-after", () => {
    for (const reason of [upstream(500), upstream(503), upstream(429, { "retry-after": "3" }), { _tag: "UpstreamTimeout", phase: "first_byte" } as const, { _tag: "UpstreamUnavailable" } as const]) {
      const before = toOpenAIError(reason)
      const after = toOpenAIError(withoutRetry(reason))
      expect(isRetryable(reason)).toBe(true)
      expect(after.headers["x-should-retry"]).toBe("false")
      expect(after.status).toBe(before.status)
      expect(after.headers["retry-after"]).toBe(before.headers["retry-after"])
      expect([after.body.error.type, after.body.error.code]).toEqual([before.body.error.type, before.body.error.code])
      expect(after.body.error.message).not.toMatch(/refused/)
    }
  })

  it("leaves a failure that is not retried anyway, and the gateway's own, as they are", () => {
    for (const reason of [upstream(400), { _tag: "Internal" } as const, { _tag: "Cancelled" } as const, { _tag: "QuotaExhausted" } as const]) expect(withoutRetry(reason)).toEqual(reason)
  })
})
