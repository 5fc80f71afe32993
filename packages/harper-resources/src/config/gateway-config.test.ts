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

  it("reads a model's body deadline, a positive whole number of milliseconds", () => {
    const model = (bodyMs: unknown) => ({ models: { generative: { m: { backend: "openai", timeouts: { bodyMs } } } } })
    expect(readGatewayConfig(model(30_000))).toEqual({ ok: true, config: model(30_000) })
    for (const bad of [0, -1, 1.5, "60s"]) {
      expect(readGatewayConfig(model(bad))).toMatchObject({ ok: false, message: expect.stringContaining("models.generative.m.timeouts.bodyMs") })
    }
  })

  it("names what is wrong", () => {
    expect(readGatewayConfig({ models: { generative: { default: { backend: "llama" } } } })).toMatchObject({
      ok: false,
      message: expect.stringContaining("models.generative.default.backend"),
    })
    expect(readGatewayConfig({ modles: {} })).toMatchObject({ ok: false, message: expect.stringContaining("modles") })
  })
})
