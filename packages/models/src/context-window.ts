import { advertisedAliases } from "./backend-registry.ts"
import type { ModelsConfig } from "./model-config.ts"

/**
 * A generative model's configured `contextWindow`, by any name a request may use for it:
 * its logical name first, then an upstream model id or alias it advertises (the
 * registry's rule, advertisedAliases). Undefined when the model configures none: the
 * gateway invents no provider's window.
 */
export function contextWindowOf(models: ModelsConfig | undefined): (requested: string) => number | undefined {
  const entries = Object.entries(models?.generative ?? {})
  const byName = new Map(entries)
  const aliases = advertisedAliases(entries.map(([logicalName, entry]) => ({ logicalName, entry })))
  return (requested) => {
    const logical = byName.has(requested) ? requested : aliases.get(requested)
    return logical === undefined ? undefined : byName.get(logical)?.contextWindow
  }
}
