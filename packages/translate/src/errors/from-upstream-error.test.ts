import { readFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { recordedDir } from "../../test/shared-dir.ts"
import { fromUpstreamError, upstreamErrorDetail } from "./from-upstream-error.ts"
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
    expect(reason).toEqual({ _tag: "RateLimited", retryAfterMs: 7000, message: "slow down" })
    expect(toOpenAIError(reason)).toMatchObject({ status: 429, headers: { "retry-after": "7", "retry-after-ms": "7000" } })
    expect(fromUpstreamError({ status: 429, body: "", header: headers({}) }, NOW)).toEqual({ _tag: "RateLimited" })
    expect(fromUpstreamError({ status: 429, body: '{"error":{"code":"insufficient_quota","message":"quota"}}', header: headers({}) }, NOW)._tag).toBe("QuotaExhausted")
  })

  it("maps every status to a client-facing status in the same class, 401/403 of the provider key to a 502 clients must not retry", () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), fc.oneof(fc.string(), fc.json()), (status, body) => {
        const response = toOpenAIError(fromUpstreamError({ status, body, header: headers({}) }, NOW))
        if (status >= 500 || status === 401 || status === 403) expect(response.status).toBeGreaterThanOrEqual(500)
        else if (status === 408) expect(response.status).toBe(504)
        else expect(response.status).toBeLessThan(500)
        if ([400, 404, 409, 413, 422, 429].includes(status)) expect(response.status).toBe(status)
        if (status === 401 || status === 403) expect(response.headers["x-should-retry"]).toBe("false")
      }),
    )
  })

  it("keeps the upstream's x-should-retry, and passes a long retry-after on as it was", () => {
    const noRetry = toOpenAIError(fromUpstreamError({ status: 500, body: "{}", header: headers({ "x-should-retry": "false" }) }, NOW))
    expect(noRetry.headers["x-should-retry"]).toBe("false")
    const retry = toOpenAIError(fromUpstreamError({ status: 400, body: "{}", header: headers({ "x-should-retry": "true" }) }, NOW))
    expect(retry.headers["x-should-retry"]).toBe("true")
    const long = toOpenAIError(fromUpstreamError({ status: 429, body: "{}", header: headers({ "retry-after": "120" }) }, NOW))
    expect(long.headers).toMatchObject({ "retry-after": "120", "retry-after-ms": "120000" })
  })

  it("reads OpenAI, flat, string and array JSON error bodies; plain text never reaches the client", () => {
    const read = (body: string) => fromUpstreamError({ status: 400, body, header: headers({}) }, NOW)
    expect(read('{"error":{"message":"a","param":"p"}}')).toMatchObject({ message: "a", param: "p" })
    expect(read('{"message":"b","code":"c"}')).toMatchObject({ message: "b", code: "c" })
    expect(read('{"error":"d"}')).toMatchObject({ message: "d" })
    expect(read('[{"error":{"message":"e"}}]')).toMatchObject({ message: "e" })
    expect(read("Bad things at db-7.internal")).toMatchObject({ message: "The model provider rejected the request (HTTP 400)." })
    expect(read('{"error":{"message":"This model\'s maximum context length is 8192 tokens"}}')._tag).toBe("ContextLengthExceeded")
  })

  it("redacts keys an upstream quotes back", () => {
    const reason = fromUpstreamError({ status: 400, body: '{"error":{"message":"Incorrect API key provided: sk-proj-abcdefgh12345678"}}', header: headers({}) }, NOW)
    expect(JSON.stringify(toOpenAIError(reason).body)).not.toContain("sk-proj-abcdefgh12345678")
    const auth = fromUpstreamError({ status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-abc"}}', header: headers({}) }, NOW)
    expect(JSON.stringify(toOpenAIError(auth).body)).not.toContain("sk-abc")
  })

  it("never lets HTML, text, stack traces, hosts, addresses or credentials from an error body reach the client; the detail keeps them for the operator, credentials removed", () => {
    const hostile = [
      "<html><body>502 Bad Gateway at internal-lb-7.corp.example (10.1.2.3)</body></html>",
      'Traceback (most recent call last):\n  File "/srv/app/main.py", line 12\nKeyError: Authorization: Basic YWRtaW46aHVudGVyMg==',
      JSON.stringify({ error: { message: "connect to postgres://app:hunter2@db.internal:5432 failed; token ghp_0123456789abcdefghij0123456789abcd; AKIAIOSFODNN7EXAMPLE" } }),
      JSON.stringify({ error: { message: "Error: boom\n    at handler (/srv/app/index.js:3:9)" } }),
      JSON.stringify({ message: "upstream 192.168.10.4:8080 and fd00::7 are down" }),
    ]
    for (const status of [400, 404, 422, 500, 502]) {
      for (const body of hostile) {
        const shown = JSON.stringify(toOpenAIError(fromUpstreamError({ status, body, header: headers({}) }, NOW)).body)
        for (const leak of ["internal-lb", "10.1.2.3", "/srv/app", "YWRtaW46", "hunter2", "db.internal", "ghp_", "AKIA", "192.168.10.4", "fd00", "<html"]) {
          expect([status, body.slice(0, 30), shown.includes(leak)]).toEqual([status, body.slice(0, 30), false])
        }
      }
    }
    const detail = upstreamErrorDetail(500, hostile[2] ?? "")
    expect(detail).toContain("db.internal")
    expect(detail).not.toContain("hunter2")
    expect(detail).not.toContain("ghp_0123")
  })

  it("hides even a redacted upstream message when the model's config says so", () => {
    const body = '{"error":{"message":"This model\'s maximum context length is 8192 tokens","code":"context_length_exceeded"}}'
    const reason = fromUpstreamError({ status: 400, body, header: headers({}) }, NOW, { exposeMessage: false })
    expect(reason).toMatchObject({ _tag: "ContextLengthExceeded", message: "The request exceeds the model's context length." })
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
