import type { EmbeddingsRequest } from "../wire/embeddings.ts"
import type { EmbedCall } from "./embed-call.ts"

/**
 * An EmbedCall as the body an OpenAI-compatible upstream receives, in the client's own
 * encoding unless told otherwise: only then are the upstream's numbers the client's.
 */
export function encodeEmbeddingsRequest(call: EmbedCall, encodingFormat: "float" | "base64" = call.encodingFormat): EmbeddingsRequest {
  let body: EmbeddingsRequest = { model: call.opts.model, input: call.input, encoding_format: encodingFormat }
  if (call.opts.dimensions !== undefined) body = { ...body, dimensions: call.opts.dimensions }
  if (call.opts.user !== undefined) body = { ...body, user: call.opts.user }
  return body
}
