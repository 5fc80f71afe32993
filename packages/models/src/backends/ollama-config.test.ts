import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { callContext } from "../../test/backend-calls.ts"
import { localUpstream } from "../../test/local-upstream.ts"
import { buildRegistry } from "../build-registry.ts"
import { ModelEntry } from "../model-config.ts"
import { OLLAMA_DEFAULT_BASE_URL } from "./ollama-backend.ts"

/** The bodies the local Ollama received; it answers the documented examples' shapes (translate/test/fixtures/ollama). */
const upstream = localUpstream((request, res) => {
  res.writeHead(200, { "content-type": "application/json" })
  const answer =
    request.path === "/api/embed"
      ? { model: "all-minilm", embeddings: [[0.1, 0.2]], prompt_eval_count: 2 }
      : { model: "llama3.2", created_at: "2025-07-07T20:32:53.844124Z", message: { role: "assistant", content: "hi" }, done: true, done_reason: "stop", prompt_eval_count: 1, eval_count: 1 }
  res.end(JSON.stringify(answer))
})
const { received } = upstream

describe("an ollama model in the config", () => {
  it("decodes the nested ollama key, builds an ollama backend, and sends its options on chat and embed calls", async () => {
    const entry = Schema.decodeUnknownSync(ModelEntry)({ backend: "ollama", model: "llama3.2", baseUrl: upstream.url(), ollama: { options: { num_ctx: 4096 }, keepAlive: -1, think: "low", thinkLevels: true, truncate: true } })
    const { registry, notices } = buildRegistry({ generative: { local: entry }, embedding: { minilm: { ...entry, model: "all-minilm" } } })
    expect(notices).toEqual([])
    const route = registry.resolveGenerative("local")
    expect(route?.backend.name).toBe("ollama")
    // Listed from the config: no call to Ollama's /api/tags.
    expect(registry.models()).toEqual([
      { id: "local", ownedBy: "ollama" },
      { id: "llama3.2", ownedBy: "ollama" },
      { id: "minilm", ownedBy: "ollama" },
      { id: "all-minilm", ownedBy: "ollama" },
    ])
    expect(received).toEqual([])
    await route?.backend.generate({ input: { messages: [{ role: "user", content: "x" }] }, opts: { model: route.upstreamModel }, stream: false, includeUsage: false }, callContext())
    expect(received.at(-1)).toMatchObject({ path: "/api/chat", body: { model: "llama3.2", options: { num_ctx: 4096 }, keep_alive: -1, think: "low" } })
    await registry.resolveEmbedding("minilm")?.backend.embed({ input: "x", opts: { model: "all-minilm" }, encodingFormat: "float" }, callContext())
    expect(received.at(-1)).toMatchObject({ path: "/api/embed", body: { model: "all-minilm", options: { num_ctx: 4096 }, keep_alive: -1, truncate: true } })
  })

  it("needs no baseUrl (the default is Ollama's own address) and refuses a malformed ollama key", () => {
    const { registry, notices } = buildRegistry({ embedding: { minilm: { backend: "ollama", model: "all-minilm" } } })
    expect(notices).toEqual([])
    expect(registry.resolveEmbedding("minilm")?.backend.name).toBe("ollama")
    expect(OLLAMA_DEFAULT_BASE_URL).toBe("http://127.0.0.1:11434")
    expect(() => Schema.decodeUnknownSync(ModelEntry)({ backend: "ollama", ollama: { think: "very" } })).toThrow()
    expect(() => Schema.decodeUnknownSync(ModelEntry)({ backend: "ollama", ollama: { options: [] } })).toThrow()
    expect(() => Schema.decodeUnknownSync(ModelEntry)({ backend: "ollama", ollama: { keepAlive: true } })).toThrow()
  })
})
