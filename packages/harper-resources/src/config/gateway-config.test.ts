import { describe, expect, it } from "vitest"
import { readGatewayConfig } from "./gateway-config.ts"

describe("readGatewayConfig", () => {
  it("reads the plugin block, ignoring Harper's own package key", () => {
    const read = readGatewayConfig({ package: "harper-gateway", models: { generative: { default: { backend: "echo" } } }, auth: { roles: ["r"] } })
    expect(read).toEqual({ ok: true, config: { models: { generative: { default: { backend: "echo" } } }, auth: { roles: ["r"] } } })
  })

  it("reads the stored responses' TTL, a positive whole number of days", () => {
    expect(readGatewayConfig({ responses: { ttlDays: 7 } })).toEqual({ ok: true, config: { responses: { ttlDays: 7 } } })
    expect(readGatewayConfig({ responses: { ttlDays: 0 } })).toMatchObject({ ok: false, message: expect.stringContaining("responses.ttlDays") })
  })

  it("reads the usage aggregates' concurrency bounds, positive whole numbers", () => {
    expect(readGatewayConfig({ usage: { maxConcurrentPerTenant: 1, maxConcurrentPerNode: 8 } })).toEqual({ ok: true, config: { usage: { maxConcurrentPerTenant: 1, maxConcurrentPerNode: 8 } } })
    expect(readGatewayConfig({ usage: { maxConcurrentPerNode: 0 } })).toMatchObject({ ok: false, message: expect.stringContaining("usage.maxConcurrentPerNode") })
    expect(readGatewayConfig({ usage: { maxConcurrentPerTenant: 1.5 } })).toMatchObject({ ok: false, message: expect.stringContaining("usage.maxConcurrentPerTenant") })
  })

  it("names what is wrong", () => {
    expect(readGatewayConfig({ models: { generative: { default: { backend: "llama" } } } })).toMatchObject({
      ok: false,
      message: expect.stringContaining("models.generative.default.backend"),
    })
    expect(readGatewayConfig({ modles: {} })).toMatchObject({ ok: false, message: expect.stringContaining("modles") })
  })
})
