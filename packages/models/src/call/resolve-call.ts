import type { ChatCall, EmbedCall, GatewayError } from "@harper-gateway/translate"
import type { BackendRegistry, ModelRoute } from "../backend-registry.ts"
import type { EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import { refuseCall } from "./admit-call.ts"
import { chainOf, chatChain, type ChainLink, type ChatChain } from "./call-chain.ts"
import { newCall } from "./call-subject.ts"
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
  const { registry, call, meta, stream } = resolving
  const requested = call.opts.model
  const route = registry.resolveGenerative(requested)
  if (route === undefined) throw refuseCall(deps, newCall(meta, { requested, logical: requested }, stream), { reason: notFound(requested) })
  const chain = chatChain(call, route, registry.resolveGenerative)
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
