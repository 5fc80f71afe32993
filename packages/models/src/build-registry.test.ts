import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { buildRegistry } from "./build-registry.ts"
import { ModelsConfig } from "./model-config.ts"

const decode = Schema.decodeUnknownSync(ModelsConfig)

describe("routing in the models config", () => {
  it("keeps a config written before routing valid, with one deployment and the default policy", () => {
    const config = decode({ generative: { chat: { backend: "openai", baseUrl: "http://127.0.0.1:1/v1", apiKey: "k", model: "gpt-x" } } })
    const route = buildRegistry(config).registry.resolveGenerative("chat")
    expect(route?.routing?.pool.deployments.map((d) => [d.label, d.upstreamModel, d.weight])).toEqual([["0", "gpt-x", 1]])
    expect(route?.routing?.retries).toEqual({ max: 2, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 30_000 })
    expect(route?.routing?.fallback).toEqual([])
  })

  it("builds each deployment from the entry's fields overridden by its own, and reports unknown or self fallbacks", () => {
    const config = decode({
      generative: {
        chat: {
          backend: "openai",
          baseUrl: "http://127.0.0.1:1/v1",
          model: "gpt-x",
          deployments: [{ name: "us", apiKey: "k1", weight: 3 }, { baseUrl: "http://127.0.0.1:2/v1", model: "gpt-x-eu" }, { backend: "echo" }],
          fallback: ["chat", "nope", "small"],
          routing: { retries: { max: 0 }, strategy: "least-outstanding" },
        },
        small: { backend: "echo" },
      },
    })
    const { registry, notices } = buildRegistry(config)
    const route = registry.resolveGenerative("chat")
    expect(route?.routing?.pool.deployments.map((d) => [d.label, d.upstreamModel, d.weight, d.backend.name])).toEqual([
      ["us", "gpt-x", 3, "openai"],
      ["1", "gpt-x-eu", 1, "openai"],
      ["2", "gpt-x", 1, "echo"],
    ])
    expect(route?.routing?.retries.max).toBe(0)
    expect(notices.filter((n) => n.includes("fallback"))).toEqual(["model 'chat' names itself as a fallback; it is tried once", "model 'chat': fallback 'nope' is not a generative model; it is left out"])
  })

  it("keeps an embedding fallback only to the same upstream model: vectors of two models are not comparable", () => {
    const config = decode({
      embedding: {
        vectors: { backend: "openai", baseUrl: "http://127.0.0.1:1/v1", model: "text-embedding-3-small", fallback: ["same-elsewhere", "other-model"] },
        "same-elsewhere": { backend: "openai", baseUrl: "http://127.0.0.1:2/v1", model: "text-embedding-3-small" },
        "other-model": { backend: "openai", baseUrl: "http://127.0.0.1:3/v1", model: "text-embedding-3-large" },
      },
    })
    const { registry, notices } = buildRegistry(config)
    expect(registry.resolveEmbedding("vectors")?.routing?.fallback).toEqual(["same-elsewhere"])
    expect(notices).toContain("model 'vectors': embedding fallback 'other-model' serves another model (text-embedding-3-large, not text-embedding-3-small), whose vectors would not compare with this one's; it is left out")
  })

  it("refuses bad routing values", () => {
    expect(() => decode({ generative: { m: { backend: "echo", routing: { retries: { max: 11 } } } } })).toThrow()
    expect(() => decode({ generative: { m: { backend: "echo", deployments: [] } } })).toThrow()
    expect(() => decode({ generative: { m: { backend: "echo", deployments: [{ weight: 0 }] } } })).toThrow()
    expect(() => decode({ generative: { m: { backend: "echo", routing: { strategy: "round-robin" } } } })).toThrow()
  })
})
