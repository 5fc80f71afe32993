import { GatewayFailure, type CompletionCall, type GatewayError } from "@harper-gateway/translate"
import type { ModelRoute } from "../backend-registry.ts"
import type { CompletionBackend, GenerativeBackend } from "../backend.ts"
import { forwardedExtensions } from "../forwarding-policy.ts"
import type { Attempt } from "../routing/route-call.ts"
import { chainOf, type ChainLink } from "./call-chain.ts"

/** The endpoint a refusal names. */
const ENDPOINT = "/v1/completions"

/** A text completion's chain, and the call as each deployment gets it (the model's extensions, the deployment's upstream id). */
export interface CompletionChain {
  readonly chain: readonly ChainLink<GenerativeBackend>[]
  readonly callFor: (attempt: Attempt<GenerativeBackend, ChainLink<GenerativeBackend>>) => CompletionCall
}

/**
 * The models a text completion may be served by: the requested one, if every one of its
 * deployments has text completions (else the client's 400, UnsupportedEndpoint: no
 * attempt, no retry, no cooldown) and its policy forwards the call's extension fields;
 * then its fallbacks that pass the same two tests (the others are left out).
 */
export function completionChain(
  call: CompletionCall,
  route: ModelRoute<GenerativeBackend>,
  resolve: (name: string) => ModelRoute<GenerativeBackend> | undefined,
): { readonly ok: true; readonly value: CompletionChain } | { readonly ok: false; readonly error: GatewayError } {
  const primary = forwardedTo(call, route)
  if (!primary.ok) return primary
  const calls = new Map<ModelRoute<GenerativeBackend>, CompletionCall>([[route, primary.call]])
  const chain = chainOf(route, resolve, (fallback) => {
    const forwarded = forwardedTo(call, fallback)
    if (forwarded.ok) calls.set(fallback, forwarded.call)
    return forwarded.ok
  })
  const callFor = (attempt: Attempt<GenerativeBackend, ChainLink<GenerativeBackend>>): CompletionCall => ({ ...(calls.get(attempt.model.route) ?? primary.call), model: attempt.deployment.upstreamModel })
  return { ok: true, value: { chain, callFor } }
}

/** A deployment's text completions; one without (a route built by hand) is refused as its model's would be. */
export function completionsOf(attempt: Attempt<GenerativeBackend, ChainLink<GenerativeBackend>>): CompletionBackend {
  const completions = attempt.deployment.backend.completions
  if (completions === undefined) throw new GatewayFailure(unsupported(attempt.model.logicalName))
  return completions
}

function forwardedTo(call: CompletionCall, route: ModelRoute<GenerativeBackend>): { readonly ok: true; readonly call: CompletionCall } | { readonly ok: false; readonly error: GatewayError } {
  if (!servesCompletions(route)) return { ok: false, error: unsupported(route.logicalName) }
  if (call.passthrough === undefined) return { ok: true, call }
  const forwarded = forwardedExtensions(call.passthrough, route.extraFields, route.logicalName)
  return forwarded.ok ? { ok: true, call: { ...call, passthrough: forwarded.fields } } : forwarded
}

/** Every deployment's backend has text completions: a pool that mixed in one without would refuse some calls by chance. */
function servesCompletions(route: ModelRoute<GenerativeBackend>): boolean {
  const backends = route.routing?.pool.deployments.map((deployment) => deployment.backend) ?? [route.backend]
  return backends.every((backend) => backend.completions !== undefined)
}

function unsupported(model: string): GatewayError {
  return { _tag: "UnsupportedEndpoint", endpoint: ENDPOINT, model }
}
