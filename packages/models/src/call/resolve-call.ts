import type { ChatCall, CompletionCall, EmbedCall, GatewayError } from "@harper-gateway/translate"
import type { BackendRegistry, ModelRoute } from "../backend-registry.ts"
import type { EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import { refuseCall } from "./admit-call.ts"
import { chainOf, chatChain, type ChainLink, type ChatChain } from "./call-chain.ts"
import { newCall } from "./call-subject.ts"
import { completionChain, type CompletionChain } from "./completion-chain.ts"
import type { CallDeps, CallMeta } from "./call-types.ts"

export interface Resolving<C> {
  readonly registry: BackendRegistry
  readonly call: C
  readonly meta: CallMeta
  readonly stream: boolean
}

/**
 * The route and chain of a chat call. An unknown model, or a field the model's policy
 * refuses, is the client's error: recorded as a rejection (before any attempt) and thrown.
 */
export function resolveChat(deps: CallDeps, resolving: Resolving<ChatCall>): { readonly route: ModelRoute<GenerativeBackend>; readonly chain: ChatChain } {
  return resolveGenerative(deps, resolving, { requested: resolving.call.opts.model, chainFor: (route) => chatChain(resolving.call, route, resolving.registry.resolveGenerative) })
}

/** The same for a text completion: a model whose backend has no text completions is the client's error too (UnsupportedEndpoint). */
export function resolveCompletion(deps: CallDeps, resolving: Resolving<CompletionCall>): { readonly route: ModelRoute<GenerativeBackend>; readonly chain: CompletionChain } {
  return resolveGenerative(deps, resolving, { requested: resolving.call.model, chainFor: (route) => completionChain(resolving.call, route, resolving.registry.resolveGenerative) })
}

type ChainOutcome<K> = { readonly ok: true; readonly value: K } | { readonly ok: false; readonly error: GatewayError }

function resolveGenerative<C, K>(
  deps: CallDeps,
  resolving: Resolving<C>,
  plan: { readonly requested: string; readonly chainFor: (route: ModelRoute<GenerativeBackend>) => ChainOutcome<K> },
): { readonly route: ModelRoute<GenerativeBackend>; readonly chain: K } {
  const { registry, meta, stream } = resolving
  const { requested } = plan
  const route = registry.resolveGenerative(requested)
  if (route === undefined) throw refuseCall(deps, newCall(meta, { requested, logical: requested }, stream), { reason: notFound(requested) })
  const chain = plan.chainFor(route)
  if (!chain.ok) throw refuseCall(deps, newCall(meta, { requested, logical: route.logicalName }, stream), { reason: chain.error })
  return { route, chain: chain.value }
}

export function resolveEmbedding(deps: CallDeps, resolving: Resolving<EmbedCall>): { readonly route: ModelRoute<EmbeddingBackend>; readonly chain: readonly ChainLink<EmbeddingBackend>[] } {
  const { registry, call, meta, stream } = resolving
  const requested = call.opts.model
  const route = registry.resolveEmbedding(requested)
  if (route === undefined) throw refuseCall(deps, newCall(meta, { requested, logical: requested }, stream), { reason: notFound(requested) })
  return { route, chain: chainOf(route, registry.resolveEmbedding, () => true) }
}

const notFound = (model: string): GatewayError => ({ _tag: "ModelNotFound", model })
