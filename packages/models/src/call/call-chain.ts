import type { ChatCall, GatewayError } from "@harper-gateway/translate"
import type { ModelRoute } from "../backend-registry.ts"
import type { GenerativeBackend } from "../backend.ts"
import { forwardedFields } from "../forwarding-policy.ts"
import { fallbackChain } from "../routing/fallback-chain.ts"
import type { Attempt, RoutedModel } from "../routing/route-call.ts"
import { routingOf } from "../routing/routing-of.ts"

/** A model of a call's chain: how it is routed, and its route. */
export interface ChainLink<B> extends RoutedModel<B> {
  readonly route: ModelRoute<B>
  readonly maxAttempts: number
}

/**
 * The requested model, then its fallbacks (routing/fallback-chain.ts: in order, each with its
 * own, cycles cut) that exist as logical models of the same kind and that `accepts`.
 */
export function chainOf<B>(route: ModelRoute<B>, resolve: (name: string) => ModelRoute<B> | undefined, accepts: (fallback: ModelRoute<B>) => boolean): readonly ChainLink<B>[] {
  const routes = new Map<string, ModelRoute<B>>([[route.logicalName, route]])
  const lookUp = (name: string) => {
    if (routes.has(name)) return routes.get(name)
    const found = resolve(name)
    // A fallback names a logical model, never an alias; one whose policy refuses the call is left out.
    const usable = found !== undefined && found.logicalName === name && accepts(found) ? found : undefined
    if (usable !== undefined) routes.set(name, usable)
    return usable
  }
  return fallbackChain(route.logicalName, (name) => lookUp(name)?.routing?.fallback ?? (lookUp(name) === undefined ? undefined : [])).flatMap((name) => {
    const found = routes.get(name)
    return found === undefined ? [] : [{ ...routedModelOf(found), route: found }]
  })
}

/** A chat call's chain, and the call as each deployment gets it (its model's fields, the deployment's upstream id). */
export interface ChatChain {
  readonly chain: readonly ChainLink<GenerativeBackend>[]
  readonly callFor: (attempt: Attempt<GenerativeBackend, ChainLink<GenerativeBackend>>) => ChatCall
}

/**
 * The models a chat call may be served by: the requested one (a field its policy refuses
 * is the client's 400), then its fallbacks whose policy accepts the call's fields (the
 * others are left out).
 */
export function chatChain(
  call: ChatCall,
  route: ModelRoute<GenerativeBackend>,
  resolve: (name: string) => ModelRoute<GenerativeBackend> | undefined,
): { readonly ok: true; readonly value: ChatChain } | { readonly ok: false; readonly error: GatewayError } {
  const primary = forwardedTo(call, route)
  if (!primary.ok) return primary
  const calls = new Map<ModelRoute<GenerativeBackend>, ChatCall>([[route, primary.call]])
  const chain = chainOf(route, resolve, (fallback) => {
    const forwarded = forwardedTo(call, fallback)
    if (forwarded.ok) calls.set(fallback, forwarded.call)
    return forwarded.ok
  })
  const callFor = (attempt: Attempt<GenerativeBackend, ChainLink<GenerativeBackend>>): ChatCall => {
    const forwarded = calls.get(attempt.model.route) ?? primary.call
    return { ...forwarded, opts: { ...forwarded.opts, model: attempt.deployment.upstreamModel } }
  }
  return { ok: true, value: { chain, callFor } }
}

/** The call with only the fields a model's policy forwards (its upstream id is set per deployment). */
function forwardedTo(call: ChatCall, route: ModelRoute<GenerativeBackend>): { readonly ok: true; readonly call: ChatCall } | { readonly ok: false; readonly error: GatewayError } {
  const { passthrough, ...opts } = call.opts
  // Parts' cache_control goes upstream by the model's policy only, like an extension field.
  const { forwardCacheControl: _fromCaller, ...rest } = call
  const policed: ChatCall = route.extraFields.has("cache_control") ? { ...rest, forwardCacheControl: true } : rest
  if (passthrough === undefined) return { ok: true, call: policed }
  const forwarded = forwardedFields(passthrough, route.extraFields, route.logicalName)
  return forwarded.ok ? { ok: true, call: { ...policed, opts: { ...opts, passthrough: forwarded.fields } } } : forwarded
}

/** A route's routing; a route made by hand without one gets one deployment and the defaults (the registry fills it in). */
function routedModelOf<B>(route: ModelRoute<B>): RoutedModel<B> & { readonly maxAttempts: number } {
  const routing = route.routing ?? routingOf([{ label: "0", upstreamModel: route.upstreamModel, backend: route.backend, weight: 1 }], undefined, { fallback: [] })
  return { logicalName: route.logicalName, pool: routing.pool, retries: routing.retries, fallbackOn: routing.fallbackOn, maxAttempts: routing.maxAttempts }
}

/** The route of the deployment an attempt went to: its logical model, backend and upstream id. */
export function answeringRoute<B>(attempt: Attempt<B, ChainLink<B>>): ModelRoute<B> {
  return { ...attempt.model.route, upstreamModel: attempt.deployment.upstreamModel, backend: attempt.deployment.backend }
}
