import type { ChatCall, EmbedCall, EmbedResult, GenerateChunk, GenerateResult } from "@harper-gateway/translate"
import type { UpstreamHeaders } from "./backends/upstream-headers.ts"

/** What a backend gets beside the call: the caller's cancellation. */
export interface BackendContext {
  readonly signal: AbortSignal
}

/**
 * What an HTTP backend's answer carries beside its body: the upstream's answer headers the
 * allow-list kept (backends/upstream-headers.ts), when there are any. A stream's come on
 * its first chunk (they are known when it opens).
 */
export interface UpstreamAnswered {
  readonly upstreamHeaders?: UpstreamHeaders
}

/**
 * A model backend. Calls carry the upstream model id in `opts.model` (the facade has
 * resolved the logical name). Failures are thrown as GatewayFailure with a reason.
 */
export interface GenerativeBackend {
  /** The backend family, recorded in `hdb_model_calls.backend`. */
  readonly name: string
  generate(call: ChatCall, context: BackendContext): Promise<GenerateResult & UpstreamAnswered>
  generateStream(call: ChatCall, context: BackendContext): AsyncIterable<GenerateChunk & UpstreamAnswered>
}

export interface EmbeddingBackend {
  readonly name: string
  embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult & UpstreamAnswered>
}
