import type { ChatCall, CompletionCall, EmbedCall, EmbedResult, GenerateChunk, GenerateResult } from "@harper-gateway/translate"
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
  /** Legacy text completions (`/v1/completions`), on backends whose upstream has them; absent: refused with UnsupportedEndpoint. */
  readonly completions?: CompletionBackend
}

/**
 * Text completions: the answer as a GenerateResult (choice text in `content`, logprobs in
 * `textLogprobs`), the stream as GenerateChunks, so a completion is accounted as a chat
 * call is. `call.model` is the upstream model id.
 */
export interface CompletionBackend {
  complete(call: CompletionCall, context: BackendContext): Promise<GenerateResult & UpstreamAnswered>
  completeStream(call: CompletionCall, context: BackendContext): AsyncIterable<GenerateChunk & UpstreamAnswered>
}

export interface EmbeddingBackend {
  readonly name: string
  embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult & UpstreamAnswered>
}
