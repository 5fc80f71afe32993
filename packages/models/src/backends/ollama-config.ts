import { Schema } from "effect"
import type { ModelEntry } from "../model-config.ts"
import { createOllamaBackend, OLLAMA_DEFAULT_BASE_URL } from "./ollama-backend.ts"
import { upstreamOptionsOf } from "./upstream-options.ts"

/** `models.<kind>.<name>.ollama`: what only the Ollama backend reads (see docs/backends/ollama.md). */
export const OllamaEntryOptions = Schema.Struct({
  /** Modelfile parameters sent as `options` (`num_ctx`, `num_gpu`, …); the client's sampling fields win over these. */
  options: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  /** `keep_alive`: how long Ollama keeps the model loaded (`"10m"`, seconds, `-1` for ever, `0` to unload). */
  keepAlive: Schema.optionalKey(Schema.Union([Schema.String, Schema.Number])),
  /** `think` when the client sends no reasoning_effort. */
  think: Schema.optionalKey(Schema.Union([Schema.Boolean, Schema.Literals(["low", "medium", "high"])])),
  /** The model takes `think` levels (gpt-oss): reasoning_effort goes as low/medium/high, not true. */
  thinkLevels: Schema.optionalKey(Schema.Boolean),
  /** Embeddings: let Ollama cut an input longer than the model's context (default: a 400, as OpenAI answers). */
  truncate: Schema.optionalKey(Schema.Boolean),
})
export type OllamaEntryOptions = typeof OllamaEntryOptions.Type

/** The Ollama backend for one configured model: baseUrl defaults to Ollama's own address. */
export function ollamaBackendOf(entry: ModelEntry) {
  return createOllamaBackend({ ...upstreamOptionsOf(entry, OLLAMA_DEFAULT_BASE_URL), ollama: entry.ollama ?? {} })
}
