import { describe, expect, it } from "vitest"
import { keptUpstreamHeaders, withUpstreamHeaders } from "./upstream-headers.ts"

// OpenAI's documented answer headers: API reference "Debugging requests" (openai-organization,
// openai-processing-ms, openai-version 2020-10-01, x-request-id) and the "Rate limits" guide's
// example (x-ratelimit-limit-requests 60 ... x-ratelimit-reset-tokens 6m0s).
const OPENAI_ANSWER = {
  "openai-organization": "user-abc123",
  "openai-processing-ms": "151",
  "openai-version": "2020-10-01",
  "x-request-id": "req_9f2c1e7a0b",
  "x-ratelimit-limit-requests": "60",
  "x-ratelimit-limit-tokens": "150000",
  "x-ratelimit-remaining-requests": "59",
  "x-ratelimit-remaining-tokens": "149984",
  "x-ratelimit-reset-requests": "1s",
  "x-ratelimit-reset-tokens": "6m0s",
  // What no client gets: a proxy's or the provider's own.
  server: "cloudflare",
  via: "1.1 internal-proxy.corp.example",
  "set-cookie": ["__cf_bm=secret; path=/"],
  "cf-ray": "8c1e2f3a4b5c6d7e-AMS",
  "content-type": "application/json",
}

const openOrg = { exposeOrganization: true }
const closedOrg = { exposeOrganization: false }

describe("keptUpstreamHeaders", () => {
  it("passes OpenAI's processing time, version and rate limits, the request id as x-upstream-request-id, and nothing else", () => {
    expect(keptUpstreamHeaders(OPENAI_ANSWER, closedOrg)).toEqual({
      "openai-processing-ms": "151",
      "openai-version": "2020-10-01",
      "x-upstream-request-id": "req_9f2c1e7a0b",
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-limit-tokens": "150000",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-remaining-tokens": "149984",
      "x-ratelimit-reset-requests": "1s",
      "x-ratelimit-reset-tokens": "6m0s",
    })
  })

  it("passes openai-organization only when the model's config opts in", () => {
    expect(keptUpstreamHeaders(OPENAI_ANSWER, openOrg)["openai-organization"]).toBe("user-abc123")
    expect(keptUpstreamHeaders({ "openai-organization": "user-abc123" }, closedOrg)).toEqual({})
  })

  it('keeps Anthropic\'s request-id (API docs "Errors": every answer has one) as x-upstream-request-id', () => {
    expect(keptUpstreamHeaders({ "request-id": "req_018EeWyXxfu5pfWkrYcMdjWG", "anthropic-organization-id": "org-uuid" }, openOrg)).toEqual({
      "x-upstream-request-id": "req_018EeWyXxfu5pfWkrYcMdjWG",
    })
  })

  it("reads names in any case, and a repeated header by its first value", () => {
    expect(keptUpstreamHeaders({ "OpenAI-Version": "2020-10-01", "X-RateLimit-Remaining-Tokens": ["10", "20"] }, closedOrg)).toEqual({
      "openai-version": "2020-10-01",
      "x-ratelimit-remaining-tokens": "10",
    })
  })

  it("drops values over 256 characters, empty ones, and any with a control or non-ASCII character", () => {
    const kept = keptUpstreamHeaders(
      {
        "x-request-id": "r".repeat(256),
        "openai-processing-ms": "1".repeat(257),
        "openai-version": "",
        "x-ratelimit-limit-requests": "60\r\nset-cookie: a=b",
        "x-ratelimit-limit-tokens": "15\u00a00000",
        "x-ratelimit-reset-tokens": "6m\t0s",
        "x-ratelimit-remaining-requests": "59",
      },
      closedOrg,
    )
    expect(kept).toEqual({ "x-upstream-request-id": "r".repeat(256), "x-ratelimit-remaining-requests": "59" })
  })

  it("passes x-ratelimit-* names of OpenAI's form only, at most 16 of them", () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-ratelimit-extra-${i}`, String(i)]))
    const kept = keptUpstreamHeaders({ ...many, "x-ratelimit-": "1", "x-ratelimit-a_b": "1", [`x-ratelimit-${"a".repeat(49)}`]: "1" }, closedOrg)
    expect(Object.keys(kept)).toHaveLength(16)
    expect(Object.keys(kept).every((name) => /^x-ratelimit-extra-\d+$/.test(name))).toBe(true)
  })

  it("the first of x-request-id and request-id wins when an upstream sends both", () => {
    expect(keptUpstreamHeaders({ "x-request-id": "first", "request-id": "second" }, closedOrg)).toEqual({ "x-upstream-request-id": "first" })
  })
})

describe("withUpstreamHeaders", () => {
  const upstream = { "x-upstream-request-id": "req_1", "openai-processing-ms": "151", "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "1s" }

  it("passes the upstream's x-ratelimit-* as they are when the gateway set none of its own", () => {
    expect(withUpstreamHeaders({ "x-gateway-attempts": "openai:0:ok" }, upstream)).toEqual({ ...upstream, "x-gateway-attempts": "openai:0:ok" })
  })

  it("renames the upstream's x-ratelimit-* to x-upstream-ratelimit-* when the gateway's own limit headers are there", () => {
    const gateway = { "x-ratelimit-limit-requests": "5", "x-ratelimit-remaining-requests": "4", "x-ratelimit-reset-requests": "1m0s" }
    expect(withUpstreamHeaders(gateway, upstream)).toEqual({
      ...gateway,
      "x-upstream-request-id": "req_1",
      "openai-processing-ms": "151",
      "x-upstream-ratelimit-remaining-requests": "59",
      "x-upstream-ratelimit-reset-requests": "1s",
    })
  })

  it("the gateway's own header wins a conflict, in any case", () => {
    expect(withUpstreamHeaders({ "OpenAI-Version": "gateway" }, { "openai-version": "2020-10-01" })).toEqual({ "OpenAI-Version": "gateway" })
  })

  it("no upstream headers leave the gateway's as they are", () => {
    const gateway = { "x-gateway-attempts": "a" }
    expect(withUpstreamHeaders(gateway, undefined)).toBe(gateway)
    expect(withUpstreamHeaders(gateway, {})).toBe(gateway)
  })
})
