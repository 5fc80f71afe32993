import type { AuthDependencies, AuthSettings } from "../auth/authenticate.ts"
import type { Principal } from "../auth/principal.ts"
import type { ModelsService } from "@harper-gateway/models"

/**
 * Sets response headers on every /v1 answer the gateway produces: the pathway for
 * `x-ratelimit-*` once limits exist. Called with who asked and through which endpoint.
 */
export type ResponseHeaderHook = (principal: Principal, endpoint: string) => Readonly<Record<string, string>>

/** Everything the /v1 resources need, built once per worker by handleApplication. */
export interface Gateway {
  readonly models: ModelsService
  readonly auth: { readonly settings: AuthSettings; readonly deps: AuthDependencies }
  readonly headerHooks: ResponseHeaderHook[]
  readonly logError: (message: string, error: unknown) => void
  /** The caller's `x-ratelimit-*` headers for an answer that reached no model (its model-independent limits). */
  readonly limitHeaders?: (principal: Principal) => Promise<Readonly<Record<string, string>>>
}
