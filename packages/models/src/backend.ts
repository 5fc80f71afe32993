import type { ChatCall, EmbedCall, EmbedResult, GenerateChunk, GenerateResult } from "@harper-gateway/translate"

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
 * A model backend. Calls carry the upstream model id in `opts.model` (the facade has
 * resolved the logical name). Failures are thrown as GatewayFailure with a reason.
 */
export interface GenerativeBackend {
  /** The backend family, recorded in `hdb_model_calls.backend`. */
  readonly name: string
  generate(call: ChatCall, context: BackendContext): Promise<GenerateResult>
  /** The answer's chunks as batches (see ChunkBatch); a failure mid-stream rejects the `next` after the last batch it could still give. */
  generateStream(call: ChatCall, context: BackendContext): AsyncIterable<ChunkBatch>
}

export interface EmbeddingBackend {
  readonly name: string
  embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult>
}
