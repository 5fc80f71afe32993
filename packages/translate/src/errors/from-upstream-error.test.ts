import { readFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { recordedDir } from "../../test/shared-dir.ts"
import { fromUpstreamError } from "./from-upstream-error.ts"
import { parseRetryAfter } from "./parse-retry-after.ts"
import { toOpenAIError } from "./to-openai-error.ts"

const headers = (values: Record<string, string>) => (name: string) => values[name]
const NOW = Date.parse("2026-11-25T00:00:00Z")

describe("fromUpstreamError", () => {
  it("keeps the recorded OpenAI 400 as a 400 naming the param", () => {
    const body = readFileSync(join(recordedDir, "reasoning-model-legacy-parameter-error.json"), "utf8")
    const reason = fromUpstreamError({ status: 400, body, header: headers({}) }, NOW)
    expect(reason).toEqual({
      _tag: "InvalidRequest",
      message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      param: "max_tokens",
      code: "unsupported_parameter",
    })
    expect(toOpenAIError(reason).status).toBe(400)
  })

  it("keeps an upstream 429 a 429 with its retry delay, and never turns it into a 500", () => {
    const reason = fromUpstreamError({ status: 429, body: '{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}', header: headers({ "retry-after": "7" }) }, NOW)
    expect(reason).toEqual({ _tag: "RateLimited", retryAfterMs: 7000 })
    expect(toOpenAIError(reason)).toMatchObject({ status: 429, headers: { "retry-after": "7", "retry-after-ms": "7000" } })
    expect(fromUpstreamError({ status: 429, body: "", header: headers({}) }, NOW)).toEqual({ _tag: "RateLimited" })
    expect(fromUpstreamError({ status: 429, body: '{"error":{"code":"insufficient_quota","message":"quota"}}', header: headers({}) }, NOW)._tag).toBe("QuotaExhausted")
  })

  it("maps every status to a client-facing status in the same class, 401/403 of the provider key to 502", () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), fc.oneof(fc.string(), fc.json()), (status, body) => {
        const response = toOpenAIError(fromUpstreamError({ status, body, header: headers({}) }, NOW))
        if (status >= 500 || status === 401 || status === 403) expect(response.status).toBeGreaterThanOrEqual(500)
        else if (status === 408) expect(response.status).toBe(504)
        else if (status === 404) expect([404, 502]).toContain(response.status)
        else expect(response.status).toBeLessThan(500)
      }),
    )
  })

  it("reads OpenAI, flat, string and array error bodies, and plain text", () => {
    const read = (body: string) => fromUpstreamError({ status: 400, body, header: headers({}) }, NOW)
    expect(read('{"error":{"message":"a","param":"p"}}')).toMatchObject({ message: "a", param: "p" })
    expect(read('{"message":"b","code":"c"}')).toMatchObject({ message: "b", code: "c" })
    expect(read('{"error":"d"}')).toMatchObject({ message: "d" })
    expect(read('[{"error":{"message":"e"}}]')).toMatchObject({ message: "e" })
    expect(read("Bad things")).toMatchObject({ message: "Bad things" })
    expect(read('{"error":{"message":"This model\'s maximum context length is 8192 tokens"}}')._tag).toBe("ContextLengthExceeded")
  })

  it("redacts keys an upstream quotes back", () => {
    const reason = fromUpstreamError({ status: 400, body: '{"error":{"message":"Incorrect API key provided: sk-proj-abcdefgh12345678"}}', header: headers({}) }, NOW)
    expect(JSON.stringify(toOpenAIError(reason).body)).not.toContain("sk-proj-abcdefgh12345678")
    const auth = fromUpstreamError({ status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-abc"}}', header: headers({}) }, NOW)
    expect(JSON.stringify(toOpenAIError(auth).body)).not.toContain("sk-abc")
  })
})

describe("parseRetryAfter", () => {
  it("prefers retry-after-ms, then seconds, then an HTTP date", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "300", "retry-after": "9" }), NOW)).toBe(300)
    expect(parseRetryAfter(headers({ "retry-after": "2" }), NOW)).toBe(2000)
    expect(parseRetryAfter(headers({ "retry-after": new Date(NOW + 5000).toUTCString() }), NOW)).toBe(5000)
    expect(parseRetryAfter(headers({ "retry-after": "soon" }), NOW)).toBeUndefined()
    expect(parseRetryAfter(headers({}), NOW)).toBeUndefined()
  })
})
