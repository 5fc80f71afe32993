import { anthropicBackendOf } from "./backends/anthropic-config.ts"
import { createEchoBackend } from "./backends/echo-backend.ts"
import { geminiBackendOf } from "./backends/gemini-config.ts"
import { ollamaBackendOf } from "./backends/ollama-config.ts"
import { createOpenAIBackend } from "./backends/openai-backend.ts"
import { upstreamOptionsOf } from "./backends/upstream-options.ts"
import type { ModelEntry, ModelsConfig } from "./model-config.ts"
import type { EmbeddingBackend, GenerativeBackend } from "./backend.ts"
import { advertisedAliases, createBackendRegistry, type BackendRegistry, type ModelRoute } from "./backend-registry.ts"
import { routingOf } from "./routing/routing-of.ts"
import type { Deployment } from "./routing/deployment-pool.ts"
import type { CooldownSlots } from "./routing/cooldown.ts"

export interface BuiltRegistry {
  readonly registry: BackendRegistry
  /** Messages for the log: entries skipped, development backends in use. */
  readonly notices: readonly string[]
}

export interface RegistryOptions {
  /** Slots shared by the node's worker threads for the deployments' cooldowns (one state per node); absent: per thread. */
  readonly cooldownSlots?: CooldownSlots
}

/**
 * The backend registry from `models.generative.*` and `models.embedding.*`. With no
 * model configured at all, the `echo` development backend serves `default` for both
 * kinds, and says so. An entry that cannot be built is skipped with a notice; it never
 * stops the others.
 */
export function buildRegistry(models: ModelsConfig | undefined, options: RegistryOptions = {}): BuiltRegistry {
  const { cooldownSlots } = options
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
        return createOpenAIBackend(upstreamOptionsOf(entry, entry.baseUrl))
      case "anthropic":
        // baseUrl defaults to Anthropic's public endpoint.
        return anthropicBackendOf(entry)
      case "ollama":
        // baseUrl defaults to Ollama's own address.
        return ollamaBackendOf(entry)
      case "gemini":
        // baseUrl defaults to Google's public endpoint.
        return geminiBackendOf(entry)
      default: {
        const unreachable: never = entry.backend
        return unreachable
      }
    }
  }
  type Built = GenerativeBackend & EmbeddingBackend
  /** The entry's deployments, each built from the entry's fields overridden by its own; one that cannot be built is skipped. */
  const deploymentsOf = (logicalName: string, entry: ModelEntry): Deployment<Built>[] => {
    const { deployments, fallback: _fallback, routing: _routing, ...own } = entry
    const out: Deployment<Built>[] = []
    for (const [index, deployment] of (deployments ?? [{}]).entries()) {
      const { name, weight, ...fields } = deployment
      const label = name ?? String(index)
      const backend = build(deployments === undefined ? logicalName : `${logicalName}' deployment '${label}`, { ...own, ...fields })
      if (backend !== undefined) out.push({ label, upstreamModel: fields.model ?? own.model ?? logicalName, backend, weight: weight ?? 1 })
    }
    return out
  }
  /** The upstream model ids an entry's deployments send. */
  const upstreamModelsOf = (logicalName: string, entry: ModelEntry): string[] => (entry.deployments ?? [{}]).map((d) => d.model ?? entry.model ?? logicalName)
  /**
   * An embedding model's fallbacks: only those that send the same upstream model (another
   * key, region or host of it). Another model's vectors live in another space: mixed into
   * one index they would silently match the wrong documents.
   */
  const embeddingFallbacks = (logicalName: string, entry: ModelEntry, byName: ReadonlyMap<string, ModelEntry>): string[] => {
    const own = upstreamModelsOf(logicalName, entry)
    return (entry.fallback ?? []).filter((name) => {
      const other = byName.get(name)
      if (other === undefined) return true // reported as unknown below
      const theirs = upstreamModelsOf(name, other)
      if (theirs.every((model) => own.includes(model))) return true
      notices.push(`model '${logicalName}': embedding fallback '${name}' serves another model (${theirs.join(", ")}, not ${own.join(", ")}), whose vectors would not compare with this one's; it is left out`)
      return false
    })
  }
  const routes = <K extends "generative" | "embedding">(kind: K, entries: readonly (readonly [string, ModelEntry])[]) => {
    const out = new Map<string, ModelRoute<Built>>()
    const names = new Set(entries.map(([name]) => name))
    const byName = new Map(entries)
    for (const [logicalName, entry] of entries) {
      if (kind === "embedding" && [entry.backend, ...(entry.deployments ?? []).map((d) => d.backend ?? entry.backend)].includes("anthropic")) {
        notices.push(`model '${logicalName}' skipped: the anthropic backend has no embeddings (Anthropic has no embeddings API)`)
        continue
      }
      const deployments = deploymentsOf(logicalName, entry)
      const first = deployments[0]
      if (first === undefined) continue
      const fallback = kind === "embedding" ? embeddingFallbacks(logicalName, entry, byName) : [...(entry.fallback ?? [])]
      for (const name of fallback) {
        if (!names.has(name)) notices.push(`model '${logicalName}': fallback '${name}' is not a ${kind} model; it is left out`)
        if (name === logicalName) notices.push(`model '${logicalName}' names itself as a fallback; it is tried once`)
      }
      out.set(logicalName, {
        kind,
        logicalName,
        upstreamModel: first.upstreamModel,
        backend: first.backend,
        extraFields: new Set(entry.extraFields ?? []),
        routing: routingOf(deployments, entry.routing, {
          fallback,
          // Names are encoded: no two models' deployments can share a key.
          ...(cooldownSlots === undefined ? {} : { cooldowns: { slots: cooldownSlots, key: `${kind}:${encodeURIComponent(logicalName)}` } }),
        }),
      })
    }
    return out
  }
  const registry = createBackendRegistry(routes("generative", generativeEntries), routes("embedding", embeddingEntries), {
    generative: advertisedAliases(generativeEntries.map(([logicalName, entry]) => ({ logicalName, entry }))),
    embedding: advertisedAliases(embeddingEntries.map(([logicalName, entry]) => ({ logicalName, entry }))),
  })
  return { registry, notices }
}
