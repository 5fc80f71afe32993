import type { EmbeddingsRequest } from "../wire/embeddings.ts"
import type { EmbedCall } from "./embed-call.ts"

/**
 * An EmbedCall as the body an OpenAI-compatible upstream receives. The gateway always
 * asks for base64 (a quarter of the bytes of JSON floats) and converts for the client.
 */
export function encodeEmbeddingsRequest(call: EmbedCall, encodingFormat: "float" | "base64" = call.encodingFormat): EmbeddingsRequest {
  let body: EmbeddingsRequest = { model: call.opts.model, input: call.input, encoding_format: encodingFormat }
  if (call.opts.dimensions !== undefined) body = { ...body, dimensions: call.opts.dimensions }
  if (call.opts.user !== undefined) body = { ...body, user: call.opts.user }
  return body
}
