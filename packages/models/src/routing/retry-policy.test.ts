import { fromUpstreamError, type GatewayError } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { DEFAULT_RETRIES, failureClass, retryDelayMs } from "./retry-policy.ts"

const upstream = (status: number, body = "{}", headers: Record<string, string> = {}): GatewayError => fromUpstreamError({ status, body, header: (name) => headers[name] }, 0)
const NO_FALLBACK_ON = { contextLengthExceeded: false, contentFilter: false }

describe("which failures are retried", () => {
  it("retries connect errors, 408, 409, 429, 5xx and 529", () => {
    const retried: GatewayError[] = [
      { _tag: "UpstreamUnavailable" },
      { _tag: "UpstreamTimeout", phase: "connect" },
      upstream(408),
      upstream(409),
      upstream(429, JSON.stringify({ error: { code: "rate_limit_exceeded", message: "slow down" } })),
      upstream(500),
      upstream(502),
      upstream(503),
      upstream(504),
      upstream(529),
    ]
    expect(retried.map((error) => failureClass(error, NO_FALLBACK_ON))).toEqual(retried.map(() => "retry"))
  })

  it("goes to another deployment at once on 401, 403 and an upstream that does not know the model id: that deployment cannot serve anyone", () => {
    const deploymentFaults: GatewayError[] = [upstream(401), upstream(403), upstream(404, JSON.stringify({ error: { code: "model_not_found", message: "no such model" } }))]
    expect(deploymentFaults.map((error) => failureClass(error, NO_FALLBACK_ON))).toEqual(deploymentFaults.map(() => "deployment"))
  })

  it("does not retry 400, insufficient_quota, an upstream's x-should-retry: false, the call's own total deadline, an internal failure or a cancelled call", () => {
    const final: GatewayError[] = [
      upstream(400),
      { _tag: "UpstreamTimeout", phase: "total", shouldRetry: false },
      { _tag: "Internal", detail: "a mapper threw" },
      upstream(429, JSON.stringify({ error: { code: "insufficient_quota", type: "insufficient_quota", message: "You exceeded your current quota" } })),
      upstream(503, "{}", { "x-should-retry": "false" }),
      { _tag: "Cancelled" },
    ]
    expect(final.map((error) => failureClass(error, NO_FALLBACK_ON))).toEqual(final.map(() => "stop"))
  })

  it("falls back on a context length or content filter refusal only when the model's config says so", () => {
    const tooLong = upstream(400, JSON.stringify({ error: { code: "context_length_exceeded", message: "too long" } }))
    const filtered = upstream(400, JSON.stringify({ error: { code: "content_filter", message: "filtered" } }))
    expect([failureClass(tooLong, NO_FALLBACK_ON), failureClass(filtered, NO_FALLBACK_ON)]).toEqual(["stop", "stop"])
    expect(failureClass(tooLong, { contextLengthExceeded: true, contentFilter: false })).toBe("fallback")
    expect(failureClass(filtered, { contextLengthExceeded: true, contentFilter: false })).toBe("stop")
    expect(failureClass(filtered, { contextLengthExceeded: false, contentFilter: true })).toBe("fallback")
  })
})

describe("how long before a retry", () => {
  const policy = { ...DEFAULT_RETRIES, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 }
  it("waits exactly the upstream's retry-after / retry-after-ms when it is within the cap", () => {
    const seconds = upstream(429, "{}", { "retry-after": "3" })
    const ms = upstream(503, "{}", { "retry-after-ms": "1250" })
    expect(retryDelayMs(seconds, 0, policy, () => 0)).toBe(3_000)
    expect(retryDelayMs(ms, 4, policy, () => 0.99)).toBe(1_250)
  })
  it("gives up (undefined) when the upstream asks for longer than maxRetryAfterMs: retrying sooner would only be refused again", () => {
    expect(retryDelayMs(upstream(429, "{}", { "retry-after": "6" }), 0, policy, () => 0)).toBeUndefined()
    expect(retryDelayMs(upstream(429, "{}", { "retry-after": "5" }), 0, policy, () => 0)).toBe(5_000)
  })
  it("without a hint, backs off with full jitter", () => {
    expect(retryDelayMs(upstream(500), 0, policy, () => 0.5)).toBe(50)
    expect(retryDelayMs(upstream(500), 2, policy, () => 0.5)).toBe(200)
    expect(retryDelayMs(upstream(500), 9, policy, () => 0.5)).toBe(500)
  })
  it("defaults to two retries, 500 ms base, 10 s cap, retry-after honoured up to 30 s (Harper 5's numbers)", () => {
    expect(DEFAULT_RETRIES).toEqual({ max: 2, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 30_000 })
  })
})
