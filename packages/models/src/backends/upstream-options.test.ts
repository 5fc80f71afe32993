import { describe, expect, it } from "vitest"
import type { ModelEntry } from "../model-config.ts"
import { apiKeyHeader, upstreamOptionsOf } from "./upstream-options.ts"

describe("a config entry's transport options", () => {
  it("fills every unset value with its documented default, and an empty baseUrl with the backend's", () => {
    expect(upstreamOptionsOf({ backend: "ollama", baseUrl: "" }, "http://127.0.0.1:11434")).toEqual({
      baseUrl: "http://127.0.0.1:11434",
      apiKey: undefined,
      timeouts: { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000, bodyMs: 60_000, totalMs: 600_000 },
      maxChatResponseBytes: 16_777_216,
      maxEmbeddingsResponseBytes: 202_375_168,
      maxErrorBytes: 65_536,
      exposeUpstreamErrors: true,
      exposeUpstreamOrganization: false,
    })
  })

  it("takes each value the entry sets, one by one", () => {
    const entry: ModelEntry = {
      backend: "openai",
      baseUrl: "https://up.example/v1",
      apiKey: "k",
      timeouts: { idleMs: 5, bodyMs: 9 },
      limits: { maxResponseBytes: 7, maxErrorBytes: 3 },
      exposeUpstreamErrors: false,
      exposeUpstreamOrganization: true,
    }
    expect(upstreamOptionsOf(entry, "https://default.example")).toEqual({
      baseUrl: "https://up.example/v1",
      apiKey: "k",
      timeouts: { connectMs: 10_000, firstByteMs: 120_000, idleMs: 5, bodyMs: 9, totalMs: 600_000 },
      maxChatResponseBytes: 7,
      maxEmbeddingsResponseBytes: 7,
      maxErrorBytes: 3,
      exposeUpstreamErrors: false,
      exposeUpstreamOrganization: true,
    })
  })
})

describe("the API key header", () => {
  it("is a bearer token in authorization, or the bare key in a provider's own header, and absent without a key", () => {
    expect(apiKeyHeader("sk", "authorization")).toEqual({ authorization: "Bearer sk" })
    expect(apiKeyHeader("sk", "x-api-key")).toEqual({ "x-api-key": "sk" })
    expect(apiKeyHeader("sk", "x-goog-api-key")).toEqual({ "x-goog-api-key": "sk" })
    expect(apiKeyHeader(undefined, "authorization")).toEqual({})
    expect(apiKeyHeader("", "x-api-key")).toEqual({})
  })
})
