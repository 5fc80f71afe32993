import { describe, expect, it } from "vitest"
import { isRetryable } from "../errors/gateway-error.ts"
import { toOpenAIError } from "../errors/to-openai-error.ts"
import { fromAnthropicError } from "./from-anthropic-error.ts"

const headers = (map: Record<string, string>) => (name: string) => map[name.toLowerCase()]
const body = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message }, request_id: "req_011CSHoEeqs5C35K2UUqR7Fy" })

describe("Anthropic errors", () => {
  it("overloaded 529 is a retryable 503 that keeps the upstream's retry-after", () => {
    const reason = fromAnthropicError({ status: 529, body: body("overloaded_error", "Overloaded"), header: headers({ "retry-after": "7" }) }, 0)
    expect(reason).toEqual({ _tag: "UpstreamUnavailable", retryAfterMs: 7000, message: "Overloaded" })
    expect(isRetryable(reason)).toBe(true)
    const wire = toOpenAIError(reason)
    expect(wire.status).toBe(503)
    expect(wire.headers["retry-after"]).toBe("7")
  })

  it("an overloaded_error body under another status is still overloaded", () => {
    expect(fromAnthropicError({ status: 500, body: body("overloaded_error", "Overloaded"), header: headers({}) }, 0)._tag).toBe("UpstreamUnavailable")
  })

  it("rate limits, prompt too long and invalid requests map by status and message", () => {
    expect(fromAnthropicError({ status: 429, body: body("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"), header: headers({ "retry-after": "2" }) }, 0)).toMatchObject({
      _tag: "RateLimited",
      retryAfterMs: 2000,
    })
    expect(fromAnthropicError({ status: 400, body: body("invalid_request_error", "prompt is too long: 200010 tokens > 200000 maximum"), header: headers({}) }, 0)).toMatchObject({ _tag: "ContextLengthExceeded", param: "messages" })
    expect(fromAnthropicError({ status: 400, body: body("invalid_request_error", "max_tokens: Field required"), header: headers({}) }, 0)).toMatchObject({ _tag: "InvalidRequest", message: "max_tokens: Field required" })
    expect(fromAnthropicError({ status: 401, body: body("authentication_error", "invalid x-api-key"), header: headers({}) }, 0)).toMatchObject({ _tag: "UpstreamError", code: "upstream_authentication_failed" })
  })

  it("never passes a key or host from the message to the client", () => {
    const reason = fromAnthropicError({ status: 400, body: body("invalid_request_error", "bad key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789 at https://internal.example.com/v1"), header: headers({}) }, 0)
    const text = JSON.stringify(toOpenAIError(reason).body)
    expect(text).not.toContain("sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789")
    expect(text).not.toContain("internal.example.com")
  })
})
