import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { buildRegistry } from "./build-registry.ts"
import { ModelsConfig } from "./model-config.ts"

const decode = Schema.decodeUnknownSync(ModelsConfig)

describe("anthropic entries in the registry", () => {
  it("builds a generative model without baseUrl (Anthropic's public endpoint is the default), with its own options", () => {
    const models = decode({
      generative: {
        claude: {
          backend: "anthropic",
          model: "claude-sonnet-4-5",
          apiKey: "k",
          anthropic: { version: "2023-06-01", defaultMaxTokens: 2048, nativeStructuredOutput: true, thinkingBudgets: { low: 4096 }, betas: ["x"], thinkingStore: { maxEntries: 10, ttlMs: 1000 } },
        },
      },
    })
    const { registry, notices } = buildRegistry(models)
    expect(registry.resolveGenerative("claude")?.backend.name).toBe("anthropic")
    expect(notices).toEqual([])
  })

  it("refuses an embedding model on it at start, with a notice, and keeps the rest", () => {
    const models = decode({ generative: { claude: { backend: "anthropic" } }, embedding: { vectors: { backend: "anthropic" }, echo: { backend: "echo" } } })
    const { registry, notices } = buildRegistry(models)
    expect(registry.resolveEmbedding("vectors")).toBeUndefined()
    expect(registry.resolveEmbedding("echo")).toBeDefined()
    expect(registry.resolveGenerative("claude")).toBeDefined()
    expect(notices).toContain("model 'vectors' skipped: the anthropic backend has no embeddings (Anthropic has no embeddings API)")
  })

  it("refuses a thinking budget under the API's minimum and an unknown option in the config", () => {
    expect(() => decode({ generative: { claude: { backend: "anthropic", anthropic: { thinkingBudgets: { low: 100 } } } } })).toThrow()
    expect(() => decode({ generative: { claude: { backend: "anthropic", anthropic: { maxTokens: 100 } } } }, { onExcessProperty: "error" })).toThrow()
  })
})
