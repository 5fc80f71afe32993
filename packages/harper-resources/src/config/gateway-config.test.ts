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

  it("reads the bounds of a rebuilt conversation: its size in bytes and its depth in responses, positive whole numbers", () => {
    const bounds = { maxHistoryBytes: 1_048_576, maxChainDepth: 5 }
    expect(readGatewayConfig({ responses: bounds })).toEqual({ ok: true, config: { responses: bounds } })
    expect(readGatewayConfig({ responses: { maxHistoryBytes: 0 } })).toMatchObject({ ok: false, message: expect.stringContaining("responses.maxHistoryBytes") })
    expect(readGatewayConfig({ responses: { maxChainDepth: 2.5 } })).toMatchObject({ ok: false, message: expect.stringContaining("responses.maxChainDepth") })
  })

  it("reads a generative model's context window, a positive whole number of tokens, and names it when it is not", () => {
    const model = (contextWindow: unknown) => ({ models: { generative: { m: { backend: "openai", contextWindow } } } })
    expect(readGatewayConfig(model(128_000))).toEqual({ ok: true, config: model(128_000) })
    for (const bad of [0, -1, 1.5, "128k", null]) {
      expect(readGatewayConfig(model(bad))).toMatchObject({ ok: false, message: expect.stringContaining("models.generative.m.contextWindow") })
    }
  })

  it("reads the usage aggregates' concurrency bounds, positive whole numbers", () => {
    expect(readGatewayConfig({ usage: { maxConcurrentPerTenant: 1, maxConcurrentPerNode: 8 } })).toEqual({ ok: true, config: { usage: { maxConcurrentPerTenant: 1, maxConcurrentPerNode: 8 } } })
    expect(readGatewayConfig({ usage: { maxConcurrentPerNode: 0 } })).toMatchObject({ ok: false, message: expect.stringContaining("usage.maxConcurrentPerNode") })
    expect(readGatewayConfig({ usage: { maxConcurrentPerTenant: 1.5 } })).toMatchObject({ ok: false, message: expect.stringContaining("usage.maxConcurrentPerTenant") })
    expect(readGatewayConfig({ usage: { aggregateLeaseSeconds: 300 } })).toEqual({ ok: true, config: { usage: { aggregateLeaseSeconds: 300 } } })
    expect(readGatewayConfig({ usage: { aggregateLeaseSeconds: 0 } })).toMatchObject({ ok: false, message: expect.stringContaining("usage.aggregateLeaseSeconds") })
  })

  it("reads the most limit rules kept, a positive whole number", () => {
    expect(readGatewayConfig({ limits: { maxRules: 50 } })).toEqual({ ok: true, config: { limits: { maxRules: 50 } } })
    expect(readGatewayConfig({ limits: { maxRules: 0 } })).toMatchObject({ ok: false, message: expect.stringContaining("limits.maxRules") })
  })

  it("names what is wrong", () => {
    expect(readGatewayConfig({ models: { generative: { default: { backend: "llama" } } } })).toMatchObject({
      ok: false,
      message: expect.stringContaining("models.generative.default.backend"),
    })
    expect(readGatewayConfig({ modles: {} })).toMatchObject({ ok: false, message: expect.stringContaining("modles") })
  })

  it("reads a model's attempt budget, a whole number from 1 to 20, and names it when it is not", () => {
    const withBudget = (maxAttempts: unknown) => ({ models: { generative: { m: { backend: "echo", routing: { maxAttempts } } } } })
    expect(readGatewayConfig(withBudget(4))).toEqual({ ok: true, config: withBudget(4) })
    for (const bad of [0, 21, 2.5, "3"]) expect(readGatewayConfig(withBudget(bad))).toMatchObject({ ok: false, message: expect.stringContaining("models.generative.m.routing.maxAttempts") })
  })

  it("reads how many tenants' cooldowns a deployment keeps, 0 to 4,096", () => {
    const withSlots = (tenantSlots: unknown) => ({ models: { generative: { m: { backend: "echo", routing: { cooldown: { tenantSlots } } } } } })
    expect(readGatewayConfig(withSlots(0))).toEqual({ ok: true, config: withSlots(0) })
    for (const bad of [-1, 4_097, 1.5]) expect(readGatewayConfig(withSlots(bad))).toMatchObject({ ok: false, message: expect.stringContaining("models.generative.m.routing.cooldown.tenantSlots") })
  })
})
