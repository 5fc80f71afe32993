import { describe, expect, it } from "vitest"
import { contextWindowOf } from "./context-window.ts"
import type { ModelsConfig } from "./model-config.ts"

describe("contextWindowOf", () => {
  const models: ModelsConfig = {
    generative: {
      small: { backend: "openai", baseUrl: "http://x", model: "gpt-small", aliases: ["tiny"], contextWindow: 8_000 },
      big: { backend: "anthropic", contextWindow: 200_000 },
      unknown: { backend: "ollama", model: "llama3" },
    },
    embedding: { emb: { backend: "echo", contextWindow: 512 } },
  }
  const windowOf = contextWindowOf(models)

  it("finds a generative model's configured window by the names the registry routes: logical name, upstream model id, alias", () => {
    expect(windowOf("small")).toBe(8_000)
    expect(windowOf("gpt-small")).toBe(8_000)
    expect(windowOf("tiny")).toBe(8_000)
    expect(windowOf("big")).toBe(200_000)
  })

  it("knows none for a model that configures none, an unknown name, or an embedding model", () => {
    expect(windowOf("unknown")).toBeUndefined()
    expect(windowOf("llama3")).toBeUndefined()
    expect(windowOf("nope")).toBeUndefined()
    expect(windowOf("emb")).toBeUndefined()
    expect(contextWindowOf(undefined)("default")).toBeUndefined()
  })

  it("lets a logical name win over another entry's alias, as routing does", () => {
    const shadowing: ModelsConfig = { generative: { a: { backend: "echo", aliases: ["b"], contextWindow: 1_000 }, b: { backend: "echo", contextWindow: 2_000 } } }
    expect(contextWindowOf(shadowing)("b")).toBe(2_000)
  })
})
