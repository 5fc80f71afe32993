import type { ChatCall, CompletionCall, EmbedCall, EmbedResult, GenerateChunk, GenerateResult } from "@harper-gateway/translate"
import type { UpstreamHeaders } from "./backends/upstream-headers.ts"

/**
 * The chunks of one upstream network read, in order, never empty. A stream travels as
 * batches so each layer (decode, tally, encode) takes one step per read, not per event.
 */
export type ChunkBatch = readonly GenerateChunk[]

/** What a backend gets beside the call: the caller's cancellation. */
export interface BackendContext {
  readonly signal: AbortSignal
}

/**
 * What an HTTP backend's answer carries beside its body: the upstream's answer headers the
 * allow-list kept (backends/upstream-headers.ts), when there are any. A stream's come on
 * the first chunk of its first batch (they are known when it opens).
 */
export interface UpstreamAnswered {
  readonly upstreamHeaders?: UpstreamHeaders
}

/** A batch of a backend's stream: its first chunk of the first batch may carry the upstream's headers. */
export type AnsweredBatch = readonly (GenerateChunk & UpstreamAnswered)[]

/**
 * A model backend. Calls carry the upstream model id in `opts.model` (the facade has
 * resolved the logical name). Failures are thrown as GatewayFailure with a reason.
 */
export interface GenerativeBackend {
  /** The backend family, recorded in `hdb_model_calls.backend`. */
  readonly name: string
  generate(call: ChatCall, context: BackendContext): Promise<GenerateResult & UpstreamAnswered>
  /** The answer's chunks as batches (see ChunkBatch); a failure mid-stream rejects the `next` after the last batch it could still give. */
  generateStream(call: ChatCall, context: BackendContext): AsyncIterable<AnsweredBatch>
  /** Legacy text completions (`/v1/completions`), on backends whose upstream has them; absent: refused with UnsupportedEndpoint. */
  readonly completions?: CompletionBackend
}

/**
 * Text completions: the answer as a GenerateResult (choice text in `content`, logprobs in
 * `textLogprobs`), the stream as batches of GenerateChunks, so a completion is accounted as
 * a chat call is. `call.model` is the upstream model id.
 */
export interface CompletionBackend {
  complete(call: CompletionCall, context: BackendContext): Promise<GenerateResult & UpstreamAnswered>
  completeStream(call: CompletionCall, context: BackendContext): AsyncIterable<AnsweredBatch>
}

export interface EmbeddingBackend {
  readonly name: string
  embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult & UpstreamAnswered>
}
