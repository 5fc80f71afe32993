import type { ChatCall, EmbedCall, EmbedResult, GenerateChunk, GenerateResult } from "@harper-gateway/translate"

/** What a backend gets beside the call: the caller's cancellation. */
export interface BackendContext {
  readonly signal: AbortSignal
}

/**
 * A model backend. Calls carry the upstream model id in `opts.model` (the facade has
 * resolved the logical name). Failures are thrown as GatewayFailure with a reason.
 */
export interface GenerativeBackend {
  /** The backend family, recorded in `hdb_model_calls.backend`. */
  readonly name: string
  generate(call: ChatCall, context: BackendContext): Promise<GenerateResult>
  generateStream(call: ChatCall, context: BackendContext): AsyncIterable<GenerateChunk>
}

export interface EmbeddingBackend {
  readonly name: string
  embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult>
}
