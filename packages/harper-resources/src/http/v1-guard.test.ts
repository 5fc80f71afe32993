import { describe, expect, it } from "vitest"
import type { HarperRequest } from "./harper-request.ts"
import { guardV1 } from "./v1-guard.ts"

function request(pathname: string, authorization?: string, method = "POST"): HarperRequest {
  const headers = new Map<string, string>(authorization === undefined ? [] : [["authorization", authorization]])
  return {
    method,
    pathname,
    headers: { get: (n) => headers.get(n), set: (n, v) => void headers.set(n, v), delete: (n) => void headers.delete(n) },
  }
}

describe("guardV1", () => {
  it("moves a non-JWT bearer aside as a gateway key so Harper does not 401 it, and leaves JWTs and Basic to Harper", async () => {
    const withKey = request("/v1/chat/completions", "Bearer sk-hgw-abc")
    await guardV1(withKey, () => ({ status: 200 }))
    expect(withKey.gatewayKey).toBe("sk-hgw-abc")
    expect(withKey.headers.get("authorization")).toBeUndefined()
    const withJwt = request("/v1/models", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJ1IjoxfQ.sig")
    await guardV1(withJwt, () => ({ status: 200 }))
    expect(withJwt.gatewayKey).toBeUndefined()
    expect(withJwt.headers.get("authorization")).toMatch(/^Bearer eyJ/)
    const malformed = request("/v1/models", "Token x")
    await guardV1(malformed, () => ({ status: 200 }))
    expect(malformed.gatewayAuthMalformed).toBe(true)
  })

  it("replaces Harper's own answers under /v1 with OpenAI errors, and leaves other paths alone", async () => {
    const harper401 = await guardV1(request("/v1/models", "Basic eDp5", "GET"), () => ({ status: 401, headers: { "content-type": "application/json" }, body: '{"error":"Login failed"}' }))
    expect(harper401).toMatchObject({ status: 401, body: expect.stringContaining('"type":"authentication_error"') })
    const unmatched = await guardV1(request("/v1/nope"), () => ({ status: -1 }))
    expect(unmatched).toMatchObject({ status: 404, body: expect.stringContaining("Invalid URL (POST /v1/nope)") })
    const wrongMethod = await guardV1(request("/v1/embeddings", undefined, "GET"), () => ({ status: 405, body: "ClientError" }))
    expect(wrongMethod).toMatchObject({ status: 405, headers: { allow: "POST" } })
    const ours = { status: 400, headers: { "Content-Type": "application/json" }, body: '{"error":{"message":"x","type":"t","code":null,"param":null}}' }
    expect(await guardV1(request("/v1/chat/completions"), () => ours)).toBe(ours)
    const other = { status: 404, body: "Not found" }
    expect(await guardV1(request("/Dog/1"), () => other)).toBe(other)
  })
})

describe("guardV1 paths", () => {
  it("answers an OpenAI 404 for extra segments and other spellings of /v1, without asking Harper", async () => {
    const spellings = ["/v1/chat/completions/extra", "/v1/embeddings/x/y", "/V1/models", "//v1/models", "/v1%2Fmodels", "/v1//models", "/%76%31/models", "/v1/gateway/usage/x", "/v1"]
    for (const pathname of spellings) {
      let reached = false
      const response = await guardV1(request(pathname, "Bearer sk-hgw-abc", "GET"), () => {
        reached = true
        return { status: 401, body: '{"error":"invalid token"}' }
      })
      expect([pathname, reached, response?.status]).toEqual([pathname, false, 404])
      expect(String(response?.body)).toContain('"code":"not_found"')
    }
  })

  it("passes the Responses routes to Harper with their methods, and refuses others", async () => {
    const routes = [
      ["/v1/responses", "POST"],
      ["/v1/responses/resp_1", "GET"],
      ["/v1/responses/resp_1", "DELETE"],
      ["/v1/responses/resp_1/input_items", "GET"],
      ["/v1/responses/resp_1/cancel", "POST"],
    ] as const
    for (const [pathname, method] of routes) {
      let reached = false
      await guardV1(request(pathname, undefined, method), () => {
        reached = true
        return { status: 200 }
      })
      expect([pathname, method, reached]).toEqual([pathname, method, true])
    }
    expect(await guardV1(request("/v1/responses/resp_1/input_items/x", undefined, "GET"), () => ({ status: 200 }))).toMatchObject({ status: 404 })
    expect(await guardV1(request("/v1/responses/resp_1", undefined, "POST"), () => ({ status: 405, body: "x" }))).toMatchObject({ status: 405, headers: { allow: "GET, DELETE" } })
    expect(await guardV1(request("/v1/completions", undefined, "GET"), () => ({ status: 404, body: "x" }))).toMatchObject({ status: 405, headers: { allow: "POST" } })
  })

  it("passes the gateway's own routes to Harper", async () => {
    for (const [pathname, method] of [
      ["/v1/chat/completions", "POST"],
      ["/v1/completions", "POST"],
      ["/v1/embeddings/", "POST"],
      ["/v1/models", "GET"],
      ["/v1/models/org/model-1", "GET"],
      ["/v1/gateway/usage", "GET"],
    ] as const) {
      let reached = false
      await guardV1(request(pathname, undefined, method), () => {
        reached = true
        return { status: 200 }
      })
      expect([pathname, reached]).toEqual([pathname, true])
    }
  })
})

describe("guardV1 body limit", () => {
  it("refuses a body larger than the limit with a 413 before reading it", async () => {
    const big = request("/v1/chat/completions")
    big.headers.set("content-length", String(2_000_000))
    let reached = false
    const response = await guardV1(
      big,
      () => {
        reached = true
        return { status: 200 }
      },
      1_000_000,
    )
    expect(reached).toBe(false)
    expect(response).toMatchObject({ status: 413, body: expect.stringContaining('"code":"request_too_large"') })
  })
})

describe("guardV1 body bytes", () => {
  it("has Harper hand the body of a /v1 POST over as bytes (the gateway parses JSON itself), keeping the client's content type", async () => {
    const post = request("/v1/chat/completions")
    post.headers.set("content-type", "application/json; charset=utf-8")
    let seen: string | null | undefined
    await guardV1(post, (inner) => {
      seen = inner.headers.get("content-type")
      return { status: 200 }
    })
    expect(seen).toBe("application/octet-stream")
    expect(post.gatewayContentType).toBe("application/json; charset=utf-8")
    expect(post.gatewayMaxBodyBytes).toBe(32 * 1024 * 1024)
    const limited = request("/v1/chat/completions")
    await guardV1(limited, () => ({ status: 200 }), 1000)
    expect(limited.gatewayMaxBodyBytes).toBe(1000)
    const without = request("/v1/embeddings")
    await guardV1(without, () => ({ status: 200 }))
    expect(without.gatewayContentType).toBeNull()
  })

  it("leaves GETs and paths outside /v1 to Harper's own parsing", async () => {
    const get = request("/v1/models", undefined, "GET")
    get.headers.set("content-type", "application/json")
    await guardV1(get, () => ({ status: 200 }))
    expect([get.headers.get("content-type"), get.gatewayContentType]).toEqual(["application/json", undefined])
    const other = request("/gateway/keys")
    other.headers.set("content-type", "application/json")
    await guardV1(other, () => ({ status: 200 }))
    expect(other.headers.get("content-type")).toBe("application/json")
  })
})
