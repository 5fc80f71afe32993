import { Result, Schema } from "effect"
import type { EmbedResult } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { EmbeddingsResponse } from "../wire/embeddings.ts"
import { base64ToFloat32 } from "./float32-base64.ts"
import { usageFromEmbeddingsUsage } from "./map-embeddings-usage.ts"

const decode = Schema.decodeUnknownResult(EmbeddingsResponse)

/**
 * An upstream's embeddings response (parsed JSON) to an EmbedResult, vectors put back
 * in input order by `index` (some servers answer out of order). Floats and base64 are
 * both read, whatever was asked. The count must match what was sent.
 */
export function fromEmbeddingsResponse(body: unknown, expectedCount: number): Outcome<EmbedResult> {
  const decoded = decode(body, { errors: "first" })
  if (Result.isFailure(decoded)) return invalid()
  const response = decoded.success
  if (response.data.length !== expectedCount) return invalid()
  const vectors: Float32Array[] = new Array(expectedCount)
  for (const item of response.data) {
    if (!Number.isInteger(item.index) || item.index < 0 || item.index >= expectedCount || vectors[item.index] !== undefined) return invalid()
    const vector = typeof item.embedding === "string" ? base64ToFloat32(item.embedding) : Float32Array.from(item.embedding)
    if (vector === undefined) return invalid()
    vectors[item.index] = vector
  }
  let result: EmbedResult = { vectors }
  if (response.usage != null) result = { ...result, usage: usageFromEmbeddingsUsage(response.usage) }
  if (response.model !== undefined) result = { ...result, model: response.model }
  return succeed(result)
}

function invalid(): Outcome<EmbedResult> {
  return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
}
