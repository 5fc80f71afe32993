import type { ModelEntry } from "./model-config.ts"
import type { EmbeddingBackend, GenerativeBackend } from "./backend.ts"
import type { DeploymentPool } from "./routing/deployment-pool.ts"
import type { FallbackOn, RetryPolicy } from "./routing/retry-policy.ts"
import { routingOf } from "./routing/routing-of.ts"

export type ModelKind = "generative" | "embedding"

export interface ModelRoute<B> {
  readonly kind: ModelKind
  /** The configured name (`models.<kind>.<name>`). */
  readonly logicalName: string
  /** The id sent upstream. */
  readonly upstreamModel: string
  readonly backend: B
  /** Fields beyond the official passthrough ones that this model forwards (config `extraFields`). */
  readonly extraFields: ReadonlySet<string>
  /** Its deployments (the first is `backend` and `upstreamModel` above), retries and fallbacks; absent: this one deployment and the defaults. */
  readonly routing?: ModelRouting<B>
}

export interface ModelRouting<B> {
  readonly pool: DeploymentPool<B>
  readonly retries: RetryPolicy
  readonly fallbackOn: FallbackOn
  /** Upstream attempts a call to this model may make in all (routing/attempt-budget.ts). */
  readonly maxAttempts: number
  /** Logical names of the same kind, in order (config `fallback`). */
  readonly fallback: readonly string[]
}

/**
 * The configured models of both kinds, and how a request's `model` finds one: its
 * logical name first, then an upstream model id or alias a backend advertises.
 */
export interface BackendRegistry {
  resolveGenerative(requested: string): ModelRoute<GenerativeBackend> | undefined
  resolveEmbedding(requested: string): ModelRoute<EmbeddingBackend> | undefined
  /** Every id a client may ask for (logical names, then advertised ids, without repeats) and the backend serving it. */
  models(): readonly ListedModel[]
}

export interface ListedModel {
  readonly id: string
  readonly ownedBy: string
}

export interface RegistryEntry {
  readonly logicalName: string
  readonly entry: ModelEntry
}

export function createBackendRegistry(
  generative: ReadonlyMap<string, ModelRoute<GenerativeBackend>>,
  embedding: ReadonlyMap<string, ModelRoute<EmbeddingBackend>>,
  aliases: { readonly generative: ReadonlyMap<string, string>; readonly embedding: ReadonlyMap<string, string> },
): BackendRegistry {
  generative = withRouting(generative)
  embedding = withRouting(embedding)
  const resolve = <B>(routes: ReadonlyMap<string, ModelRoute<B>>, byAlias: ReadonlyMap<string, string>, requested: string) => {
    const direct = routes.get(requested)
    if (direct !== undefined) return direct
    const logical = byAlias.get(requested)
    return logical === undefined ? undefined : routes.get(logical)
  }
  const listed = new Map<string, ListedModel>()
  const list = <B extends { readonly name: string }>(routes: ReadonlyMap<string, ModelRoute<B>>, byAlias: ReadonlyMap<string, string>) => {
    for (const [id, route] of routes) if (!listed.has(id)) listed.set(id, { id, ownedBy: route.backend.name })
    for (const [id, logical] of byAlias) {
      const route = routes.get(logical)
      if (route !== undefined && !listed.has(id)) listed.set(id, { id, ownedBy: route.backend.name })
    }
  }
  list(generative, aliases.generative)
  list(embedding, aliases.embedding)
  const models = [...listed.values()]
  return {
    resolveGenerative: (requested) => resolve(generative, aliases.generative, requested),
    resolveEmbedding: (requested) => resolve(embedding, aliases.embedding, requested),
    models: () => models,
  }
}

/** Routes made without routing get theirs here, once, so their deployment's cooldown lives as long as the registry. */
function withRouting<B>(routes: ReadonlyMap<string, ModelRoute<B>>): ReadonlyMap<string, ModelRoute<B>> {
  return new Map(
    [...routes].map(([name, route]) => [name, route.routing !== undefined ? route : { ...route, routing: routingOf([{ label: "0", upstreamModel: route.upstreamModel, backend: route.backend, weight: 1 }], undefined, { fallback: [] }) }]),
  )
}

/** Advertised ids (upstream model and aliases) that do not shadow a logical name. */
export function advertisedAliases(entries: readonly RegistryEntry[]): ReadonlyMap<string, string> {
  const logical = new Set(entries.map((e) => e.logicalName))
  const out = new Map<string, string>()
  for (const { logicalName, entry } of entries) {
    for (const id of [entry.model ?? logicalName, ...(entry.aliases ?? [])]) {
      if (!logical.has(id) && !out.has(id)) out.set(id, logicalName)
    }
  }
  return out
}
