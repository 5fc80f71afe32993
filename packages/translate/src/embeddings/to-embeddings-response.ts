import { usageToEmbeddingsUsage } from "./map-embeddings-usage.ts"
import type { EmbedResult } from "../model/types.ts"
import type { EmbeddingsResponseOut } from "../wire/embeddings.ts"
import { float32ToBase64 } from "./float32-base64.ts"

/**
 * An EmbedResult as the client's response, vectors in input order, in the encoding it
 * asked for. When the upstream already used that encoding its vectors go out as it
 * wrote them: the same numbers (never widened from float32), the same base64 text.
 */
export function toEmbeddingsResponse(result: EmbedResult, model: string, encodingFormat: "float" | "base64"): EmbeddingsResponseOut {
  const sent = result.asSent?.encoding === encodingFormat ? result.asSent.vectors : undefined
  const embeddings = sent ?? result.vectors.map((vector) => (encodingFormat === "base64" ? float32ToBase64(vector) : Array.from(vector)))
  return {
    object: "list",
    data: embeddings.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model,
    usage: usageToEmbeddingsUsage(result.usage),
  }
}
