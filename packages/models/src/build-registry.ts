import { anthropicBackendOf } from "./backends/anthropic-config.ts"
import { createEchoBackend } from "./backends/echo-backend.ts"
import { ollamaBackendOf } from "./backends/ollama-config.ts"
import { createOpenAIBackend, DEFAULT_RESPONSE_LIMITS, DEFAULT_TIMEOUTS } from "./backends/openai-backend.ts"
import type { ModelEntry, ModelsConfig } from "./model-config.ts"
import type { EmbeddingBackend, GenerativeBackend } from "./backend.ts"
import { advertisedAliases, createBackendRegistry, type BackendRegistry, type ModelRoute } from "./backend-registry.ts"

export interface BuiltRegistry {
  readonly registry: BackendRegistry
  /** Messages for the log: entries skipped, development backends in use. */
  readonly notices: readonly string[]
}

/**
 * The backend registry from `models.generative.*` and `models.embedding.*`. With no
 * model configured at all, the `echo` development backend serves `default` for both
 * kinds, and says so. An entry that cannot be built is skipped with a notice; it never
 * stops the others.
 */
export function buildRegistry(models: ModelsConfig | undefined): BuiltRegistry {
  const notices: string[] = []
  let generativeEntries = Object.entries(models?.generative ?? {})
  let embeddingEntries = Object.entries(models?.embedding ?? {})
  if (generativeEntries.length === 0 && embeddingEntries.length === 0) {
    const echo: ModelEntry = { backend: "echo", model: "echo" }
    generativeEntries = [["default", echo]]
    embeddingEntries = [["default", echo]]
    notices.push("no models configured: serving 'default' with the echo development backend (not a real model)")
  }
  const build = (logicalName: string, entry: ModelEntry): (GenerativeBackend & EmbeddingBackend) | undefined => {
    switch (entry.backend) {
      case "echo":
        notices.push(`model '${logicalName}' uses the echo development backend (not a real model)`)
        return createEchoBackend(entry.dimensions)
      case "openai":
        if (entry.baseUrl === undefined || entry.baseUrl === "") {
          notices.push(`model '${logicalName}' skipped: the openai backend needs baseUrl`)
          return undefined
        }
        return createOpenAIBackend({
          baseUrl: entry.baseUrl,
          apiKey: entry.apiKey,
          connectMs: entry.timeouts?.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
          firstByteMs: entry.timeouts?.firstByteMs ?? DEFAULT_TIMEOUTS.firstByteMs,
          idleMs: entry.timeouts?.idleMs ?? DEFAULT_TIMEOUTS.idleMs,
          totalMs: entry.timeouts?.totalMs ?? DEFAULT_TIMEOUTS.totalMs,
          maxChatResponseBytes: entry.limits?.maxResponseBytes ?? DEFAULT_RESPONSE_LIMITS.maxChatResponseBytes,
          maxEmbeddingsResponseBytes: entry.limits?.maxResponseBytes ?? DEFAULT_RESPONSE_LIMITS.maxEmbeddingsResponseBytes,
          maxErrorBytes: entry.limits?.maxErrorBytes ?? DEFAULT_RESPONSE_LIMITS.maxErrorBytes,
          exposeUpstreamErrors: entry.exposeUpstreamErrors ?? true,
        })
      case "anthropic":
        // baseUrl defaults to Anthropic's public endpoint.
        return anthropicBackendOf(entry)
      case "ollama":
        // baseUrl defaults to Ollama's own address.
        return ollamaBackendOf(entry)
      default: {
        const unreachable: never = entry.backend
        return unreachable
      }
    }
  }
  const routes = <K extends "generative" | "embedding">(kind: K, entries: readonly (readonly [string, ModelEntry])[]) => {
    const out = new Map<string, ModelRoute<GenerativeBackend & EmbeddingBackend>>()
    for (const [logicalName, entry] of entries) {
      if (kind === "embedding" && entry.backend === "anthropic") {
        notices.push(`model '${logicalName}' skipped: the anthropic backend has no embeddings (Anthropic has no embeddings API)`)
        continue
      }
      const backend = build(logicalName, entry)
      if (backend !== undefined) out.set(logicalName, { kind, logicalName, upstreamModel: entry.model ?? logicalName, backend, extraFields: new Set(entry.extraFields ?? []) })
    }
    return out
  }
  const registry = createBackendRegistry(routes("generative", generativeEntries), routes("embedding", embeddingEntries), {
    generative: advertisedAliases(generativeEntries.map(([logicalName, entry]) => ({ logicalName, entry }))),
    embedding: advertisedAliases(embeddingEntries.map(([logicalName, entry]) => ({ logicalName, entry }))),
  })
  return { registry, notices }
}
