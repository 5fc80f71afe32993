import { describe, expect, it } from "vitest"
import { GatewayFailure } from "@harper-gateway/translate"
import type { Gateway } from "./gateway.ts"
import type { HarperRequest } from "./harper-request.ts"
import { handleV1, readJsonBody } from "./handle-v1.ts"
import { jsonResponse } from "./respond.ts"
import { hashKey } from "../auth/gateway-keys.ts"

const key = `sk-hgw-0123456789ab-${"A".repeat(43)}`

const root = { username: "root", role: { permission: { super_user: true } } }
function gateway(logged: unknown[]): Pick<Gateway, "auth" | "headerHooks" | "logError"> {
  return {
    auth: { settings: { roles: new Set(), tenantAttribute: "tenant" }, deps: { findKey: async () => undefined, findUser: async () => undefined } },
    headerHooks: [(principal, endpoint) => ({ "x-ratelimit-remaining-requests": `${principal.tenant}:${endpoint}` })],
    logError: (message, error) => void logged.push([message, error]),
  }
}
const request = (user: unknown): HarperRequest => ({ method: "POST", pathname: "/v1/x", headers: { get: () => undefined, set: () => undefined, delete: () => undefined }, user })

describe("handleV1", () => {
  it("lets hooks set response headers (the x-ratelimit-* pathway)", async () => {
    const response = await handleV1(gateway([]), request(root), "chat.completions", async () => jsonResponse(200, {}))
    expect(response.headers["x-ratelimit-remaining-requests"]).toBe("root:chat.completions")
  })

  it("answers a thrown reason with its OpenAI error, and anything else with an internal error that hides the message", async () => {
    const logged: unknown[] = []
    const limited = await handleV1(gateway(logged), request(root), "e", async () => Promise.reject(new GatewayFailure({ _tag: "RateLimited" })))
    expect(limited.status).toBe(429)
    const crashed = await handleV1(gateway(logged), request(root), "e", async () => Promise.reject(new Error("secret internals")))
    expect(crashed.status).toBe(500)
    expect(String(crashed.body)).not.toContain("secret")
    expect(logged.length).toBe(1)
  })

  it("authenticates before running the handler", async () => {
    let ran = false
    const response = await handleV1(gateway([]), request(undefined), "e", async () => {
      ran = true
      return jsonResponse(200, {})
    })
    expect([response.status, ran]).toEqual([401, false])
  })

  it("answers a user store that cannot answer with a retryable 503, not a 401 that blames the key", async () => {
    const down: Pick<Gateway, "auth" | "headerHooks" | "logError"> = {
      ...gateway([]),
      auth: {
        settings: { roles: new Set(), tenantAttribute: "tenant" },
        deps: {
          findKey: async () => ({ id: "k", hash: hashKey(key), user: "u", tenant: null, models: null, name: null, created: 1, revoked: null }),
          findUser: async () => Promise.reject(new GatewayFailure({ _tag: "Unavailable", detail: "lmdb: read failed" })),
        },
      },
    }
    const response = await handleV1(down, { ...request(undefined), gatewayKey: key }, "e", async () => jsonResponse(200, {}))
    expect(response.status).toBe(503)
    expect(response.headers["retry-after"]).toBeDefined()
    expect(String(response.body)).not.toContain("lmdb")
  })

  it("answers Harper's own refusal of a body too large with a 413, not a JSON parse error", async () => {
    const tooLarge = Object.assign(new Error("Request body too large, maximum size is 10000000 bytes"), { statusCode: 413 })
    const read = await readJsonBody({ ...request(root), headers: { get: () => "application/json", set: () => undefined, delete: () => undefined } }, Promise.reject(tooLarge))
    expect(read).toEqual({ ok: false, error: { _tag: "PayloadTooLarge", limitBytes: 10_000_000 } })
  })

  it("parses the bytes Harper handed over itself: big integers kept as digits, bad UTF-8 refused", async () => {
    const moved: HarperRequest = { ...request(root), headers: { get: () => "application/octet-stream", set: () => undefined, delete: () => undefined }, gatewayContentType: "application/json" }
    const read = await readJsonBody(moved, Promise.resolve(Buffer.from('{"n":123456789012345678901}')))
    expect(read.ok && JSON.stringify(read.body)).toBe('{"n":123456789012345678901}')
    const bad = await readJsonBody(moved, Promise.resolve(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])))
    expect(bad).toMatchObject({ ok: false, error: { _tag: "InvalidRequest", code: "invalid_encoding", param: null } })
    const unsupported = await readJsonBody({ ...moved, gatewayContentType: "text/plain" }, Promise.resolve(Buffer.from("{}")))
    expect(unsupported).toMatchObject({ ok: false, error: { _tag: "UnsupportedMediaType", contentType: "text/plain" } })
  })

  it("refuses a body over the gateway's limit that came without Content-Length (chunked), with a 413 naming the limit", async () => {
    const moved: HarperRequest = { ...request(root), headers: { get: () => "application/octet-stream", set: () => undefined, delete: () => undefined }, gatewayContentType: "application/json", gatewayMaxBodyBytes: 16 }
    const over = await readJsonBody(moved, Promise.resolve(Buffer.from('{"input":"0123456789"}')))
    expect(over).toEqual({ ok: false, error: { _tag: "PayloadTooLarge", limitBytes: 16 } })
    const within = await readJsonBody(moved, Promise.resolve(Buffer.from('{"input":"01"}')))
    expect(within).toEqual({ ok: true, body: { input: "01" } })
  })

  it("turns a BigInt Harper's own parser made into the same digits, never a value JSON.stringify throws on", async () => {
    const harperParsed = await readJsonBody({ ...request(root), headers: { get: () => "application/json", set: () => undefined, delete: () => undefined } }, Promise.resolve({ a: [123456789012345678901n] }))
    expect(harperParsed.ok && JSON.stringify(harperParsed.body)).toBe('{"a":[123456789012345678901]}')
  })
})
