import type { ModelRouting } from "../backend-registry.ts"
import type { RoutingConfig } from "../model-config.ts"
import { DEFAULT_COOLDOWN } from "./cooldown.ts"
import { createDeploymentPool, type Deployment } from "./deployment-pool.ts"
import { DEFAULT_RETRIES } from "./retry-policy.ts"

/** A model's routing from its config, defaults filled in; its pool (and cooldowns) lives as long as the registry. */
export function routingOf<B>(deployments: readonly Deployment<B>[], config: RoutingConfig | undefined, fallback: readonly string[]): ModelRouting<B> {
  return {
    pool: createDeploymentPool(deployments, config?.strategy ?? "weighted-random", { ...DEFAULT_COOLDOWN, ...config?.cooldown }),
    retries: { ...DEFAULT_RETRIES, ...config?.retries },
    fallbackOn: { contextLengthExceeded: config?.fallbackOn?.contextLengthExceeded ?? false, contentFilter: config?.fallbackOn?.contentFilter ?? false },
    fallback,
  }
}
