import { Result, Schema } from "effect"
import { invalidRequest } from "../errors/gateway-error.ts"
import type { EmbedOpts } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { EmbeddingsRequest } from "../wire/embeddings.ts"
import { schemaIssueToError } from "../wire/schema-issue-to-error.ts"
import type { EmbedCall } from "./embed-call.ts"

const decode = Schema.decodeUnknownResult(EmbeddingsRequest)

/** An OpenAI embeddings request body to an EmbedCall; a 400 naming the failing path otherwise. */
export function decodeEmbeddingsRequest(body: unknown): Outcome<EmbedCall> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail(invalidRequest("The request body must be a JSON object.", null, "invalid_body"))
  }
  // Every failure, not only the first: the count picks which union member a value was meant to be (schemaIssueToError).
  const decoded = decode(body, { errors: "all", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) return fail(schemaIssueToError(decoded.failure.issue, [], body))
  const request = decoded.success
  let opts: EmbedOpts & { model: string } = { model: request.model }
  if (request.dimensions !== undefined) opts = { ...opts, dimensions: request.dimensions }
  if (request.user !== undefined) opts = { ...opts, user: request.user }
  return succeed({ input: request.input, opts, encodingFormat: request.encoding_format ?? "float" })
}
