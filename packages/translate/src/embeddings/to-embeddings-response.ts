import { usageToEmbeddingsUsage } from "./map-embeddings-usage.ts"
import type { EmbedResult } from "../model/types.ts"
import type { EmbeddingsResponseOut } from "../wire/embeddings.ts"
import { float32ToBase64 } from "./float32-base64.ts"

/** An EmbedResult as the client's response, vectors in input order, in the encoding it asked for. */
export function toEmbeddingsResponse(result: EmbedResult, model: string, encodingFormat: "float" | "base64"): EmbeddingsResponseOut {
  return {
    object: "list",
    data: result.vectors.map((vector, index) => ({
      object: "embedding",
      index,
      embedding: encodingFormat === "base64" ? float32ToBase64(vector) : Array.from(vector),
    })),
    model,
    usage: usageToEmbeddingsUsage(result.usage),
  }
}
