import { usageToEmbeddingsUsage } from "./map-embeddings-usage.ts"
import type { EmbedResult } from "../model/types.ts"
import type { EmbeddingJson, EmbeddingsResponseOut } from "../wire/embeddings.ts"
import { float32ToBase64 } from "./float32-base64.ts"

/**
 * An EmbedResult as the client's response, vectors in input order, in the encoding it
 * asked for. When the upstream already used that encoding its vectors go out as it
 * wrote them: the same numbers (never widened from float32), the same base64 text, and
 * when they were read from its bytes (`asSentJson`), those bytes, for
 * `encodeEmbeddingsResponse` to copy.
 */
export function toEmbeddingsResponse(result: EmbedResult, model: string, encodingFormat: "float" | "base64"): EmbeddingsResponseOut {
  return {
    object: "list",
    data: embeddingsOf(result, encodingFormat).map((embedding, index) => ({ object: "embedding", index, embedding })),
    model,
    usage: usageToEmbeddingsUsage(result.usage),
  }
}

function embeddingsOf(result: EmbedResult, encodingFormat: "float" | "base64"): readonly (readonly number[] | string | EmbeddingJson)[] {
  if (result.asSentJson?.encoding === encodingFormat) return result.asSentJson.vectors.map((json) => ({ json }))
  if (result.asSent?.encoding === encodingFormat) return result.asSent.vectors
  return result.vectors.map((vector) => (encodingFormat === "base64" ? float32ToBase64(vector) : Array.from(vector)))
}
