import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { gatewayError } from "../../test/gateway-errors.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { Result, Schema } from "effect"
import { ErrorBody } from "../wire/error-body.ts"
import { isRetryable } from "./gateway-error.ts"
import { toOpenAIError } from "./to-openai-error.ts"

const validate = specValidator("ErrorResponse")
const decodeBody = Schema.decodeUnknownResult(ErrorBody)

describe("toOpenAIError", () => {
  it("is total: every reason gives a valid OpenAI error body and a 4xx/5xx status", () => {
    fc.assert(
      fc.property(gatewayError, (error) => {
        const response = toOpenAIError(error)
        const wire = JSON.parse(JSON.stringify(response.body))
        expect(validate(wire)).toEqual([])
        expect(response.status).toBeGreaterThanOrEqual(400)
        expect(response.status).toBeLessThan(600)
        expect(response.body.error.message.length).toBeGreaterThan(0)
        // decode(encode(x)) for error bodies
        const decoded = decodeBody(wire)
        expect(Result.isSuccess(decoded) && decoded.success).toEqual(response.body)
      }),
      { numRuns: 1000 },
    )
  })

  it("sends retry-after and retry-after-ms on every 429 and 503 that may be retried (an upstream's value as it was, else 1 s)", () => {
    fc.assert(
      fc.property(gatewayError, (error) => {
        const response = toOpenAIError(error)
        if ((response.status === 429 || response.status === 503) && isRetryable(error)) {
          const seconds = Number(response.headers["retry-after"])
          const ms = Number(response.headers["retry-after-ms"])
          expect(Number.isInteger(seconds) && seconds >= 0).toBe(true)
          expect(Number.isInteger(ms) && ms >= 0).toBe(true)
          const given = "retryAfterMs" in error ? error.retryAfterMs : undefined
          expect(ms).toBe(given === undefined ? 1_000 : Math.max(Math.ceil(given), 0))
          expect(seconds).toBe(Math.ceil(ms / 1000))
        }
      }),
    )
    expect(toOpenAIError({ _tag: "RateLimited", retryAfterMs: 1500 }).headers).toEqual({ "retry-after": "2", "retry-after-ms": "1500" })
  })

  it("refuses an endpoint a model's backend lacks with a 400 naming the endpoint and the model, never retryable", () => {
    const error = { _tag: "UnsupportedEndpoint" as const, endpoint: "/v1/completions", model: "claude" }
    expect(toOpenAIError(error)).toEqual({
      status: 400,
      headers: {},
      body: { error: { message: 'The model "claude" does not support the /v1/completions endpoint.', type: "invalid_request_error", code: "unsupported_endpoint", param: "model" } },
    })
    expect(isRetryable(error)).toBe(false)
  })

  it("tells quota exhaustion from rate limiting so clients stop retrying", () => {
    const quota = toOpenAIError({ _tag: "QuotaExhausted" })
    expect(quota).toMatchObject({ status: 429, body: { error: { type: "insufficient_quota", code: "insufficient_quota" } } })
    expect(quota.headers["x-should-retry"]).toBe("false")
    expect(toOpenAIError({ _tag: "RateLimited" }).body.error.message).not.toMatch(/quota|billing/i)
  })

  it("never shows internal detail on a 5xx", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const detail = `at Object.<anonymous> (/srv/secret.ts:1:1) ${text}`
        for (const error of [
          { _tag: "Internal" as const, detail },
          { _tag: "UpstreamError" as const, detail, code: "x" },
        ]) {
          expect(JSON.stringify(toOpenAIError(error))).not.toContain("secret.ts")
        }
      }),
    )
  })

  it("maps model_not_found to 404 with param model, and auth to 401 / 403", () => {
    expect(toOpenAIError({ _tag: "ModelNotFound", model: "gpt-9" })).toMatchObject({
      status: 404,
      body: { error: { type: "invalid_request_error", code: "model_not_found", param: "model" } },
    })
    expect(toOpenAIError({ _tag: "Authentication", kind: "invalid" })).toMatchObject({ status: 401, body: { error: { type: "authentication_error" } } })
    expect(toOpenAIError({ _tag: "PermissionDenied" })).toMatchObject({ status: 403, body: { error: { type: "permission_error" } } })
  })
})
