import type { ModelRouting } from "../backend-registry.ts"
import type { RoutingConfig } from "../model-config.ts"
import { DEFAULT_MAX_ATTEMPTS } from "./attempt-budget.ts"
import { DEFAULT_COOLDOWN, type CooldownSlots } from "./cooldown.ts"
import { createDeploymentPool, type Deployment } from "./deployment-pool.ts"
import { DEFAULT_RETRIES } from "./retry-policy.ts"

/** A model's place among the others: its fallbacks, and where its deployments' cooldowns live. */
export interface RoutingLinks {
  readonly fallback: readonly string[]
  /** The node's shared cooldown slots, and this model's prefix for their keys (kind and logical name); absent: per thread. */
  readonly cooldowns?: { readonly slots: CooldownSlots; readonly key: string }
}

/** A model's routing from its config, defaults filled in; its pool (and cooldowns) lives as long as the registry. */
export function routingOf<B>(deployments: readonly Deployment<B>[], config: RoutingConfig | undefined, links: RoutingLinks): ModelRouting<B> {
  const shared = links.cooldowns
  return {
    pool: createDeploymentPool(deployments, {
      strategy: config?.strategy ?? "weighted-random",
      cooldown: { ...DEFAULT_COOLDOWN, ...config?.cooldown },
      // The length is in the key: a config with another tenantSlots gets buffers of its own size.
      ...(shared === undefined ? {} : { slots: (label: string, length: number) => shared.slots(`gateway-cooldown:${shared.key}:${encodeURIComponent(label)}:${length}`, length) }),
    }),
    retries: { ...DEFAULT_RETRIES, ...config?.retries },
    fallbackOn: { contextLengthExceeded: config?.fallbackOn?.contextLengthExceeded ?? false, contentFilter: config?.fallbackOn?.contentFilter ?? false },
    maxAttempts: config?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    fallback: links.fallback,
  }
}
