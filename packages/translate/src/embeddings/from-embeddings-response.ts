import { Result, Schema } from "effect"
import type { EmbedResult, TokenUsage, VectorsAsSent } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { EmbeddingsResponse } from "../wire/embeddings.ts"
import { base64ToFloat32, isFloat32Base64 } from "./float32-base64.ts"
import { usageFromEmbeddingsUsage } from "./map-embeddings-usage.ts"

const decode = Schema.decodeUnknownResult(EmbeddingsResponse)

/**
 * An upstream's embeddings response (parsed JSON) to an EmbedResult, vectors put back
 * in input order by `index` (some servers answer out of order). Floats and base64 are
 * both read, whatever was asked. The count must match what was sent. The vectors are
 * kept as the upstream wrote them (`asSent`); the float32 `vectors` are made on first
 * read, so a client asking for the upstream's own encoding costs no conversion.
 */
export function fromEmbeddingsResponse(body: unknown, expectedCount: number): Outcome<EmbedResult> {
  const decoded = decode(body, { errors: "first" })
  if (Result.isFailure(decoded)) return invalid()
  const response = decoded.success
  if (response.data.length !== expectedCount) return invalid()
  const ordered: (readonly number[] | string)[] = new Array(expectedCount)
  for (const item of response.data) {
    if (!Number.isInteger(item.index) || item.index < 0 || item.index >= expectedCount || ordered[item.index] !== undefined) return invalid()
    if (typeof item.embedding === "string" && !isFloat32Base64(item.embedding)) return invalid()
    ordered[item.index] = item.embedding
  }
  const usage = response.usage == null ? undefined : usageFromEmbeddingsUsage(response.usage)
  return succeed(embedResult(ordered, asSent(ordered), usage, response.model))
}

function embedResult(ordered: readonly (readonly number[] | string)[], sent: VectorsAsSent | undefined, usage: TokenUsage | undefined, model: string | undefined): EmbedResult {
  let vectors: readonly Float32Array[] | undefined
  return {
    // Validated above, so decoding cannot fail; an empty vector would only stand for a bug.
    get vectors() {
      vectors ??= ordered.map((embedding) => (typeof embedding === "string" ? (base64ToFloat32(embedding) ?? new Float32Array()) : Float32Array.from(embedding)))
      return vectors
    },
    ...(sent === undefined ? {} : { asSent: sent }),
    ...(usage === undefined ? {} : { usage }),
    ...(model === undefined ? {} : { model }),
  }
}

/** One encoding for every vector, or nothing to pass through (an upstream mixing both is converted). */
function asSent(ordered: readonly (readonly number[] | string)[]): VectorsAsSent | undefined {
  const strings = ordered.filter((embedding) => typeof embedding === "string")
  if (strings.length === ordered.length) return { encoding: "base64", vectors: strings }
  const floats = ordered.filter((embedding) => typeof embedding !== "string")
  return floats.length === ordered.length ? { encoding: "float", vectors: floats } : undefined
}

function invalid(): Outcome<EmbedResult> {
  return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
}
