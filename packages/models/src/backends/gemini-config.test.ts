import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { buildRegistry } from "../build-registry.ts"
import { ModelsConfig } from "../model-config.ts"

const decode = Schema.decodeUnknownSync(ModelsConfig)

describe("backend: gemini in the config", () => {
  it("builds a gemini backend with no baseUrl (Google's public endpoint is the default), for both kinds", () => {
    const models = decode({
      generative: { flash: { backend: "gemini", model: "gemini-2.5-flash", apiKey: "k", gemini: { jsonSchemaFields: true, thoughtSignatures: { maxEntries: 500, ttlMs: 600_000 } } } },
      embedding: { embed: { backend: "gemini", model: "gemini-embedding-001", apiKey: "k" } },
    })
    const { registry, notices } = buildRegistry(models)
    expect(notices).toEqual([])
    expect(registry.resolveGenerative("flash")).toMatchObject({ upstreamModel: "gemini-2.5-flash", backend: { name: "gemini" } })
    expect(registry.resolveEmbedding("embed")).toMatchObject({ upstreamModel: "gemini-embedding-001", backend: { name: "gemini" } })
  })

  it("refuses a signature-store bound that is not a positive integer", () => {
    expect(() => decode({ generative: { flash: { backend: "gemini", gemini: { thoughtSignatures: { maxEntries: 0 } } } } })).toThrow()
  })
})
