import { Result, Schema } from "effect"
import { invalidRequest } from "../errors/gateway-error.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { CompletionRequest, CompletionRequestFields } from "../wire/completions.ts"
import { schemaIssueToError } from "../wire/schema-issue-to-error.ts"
import { splitRequestFields } from "../wire/split-request-fields.ts"
import type { CompletionCall } from "./completion-call.ts"
import { completionFieldDisposition } from "./field-dispositions.ts"

const decodeModelled = Schema.decodeUnknownResult(CompletionRequest)
const modelledFields: ReadonlySet<string> = new Set(Object.keys(CompletionRequestFields))
/** Every failure, not only the first: the count picks which union member a value was meant to be (schemaIssueToError). */
const strict = { errors: "all", onExcessProperty: "error" } as const

/**
 * An OpenAI `/v1/completions` body (already JSON-parsed) to a CompletionCall, every
 * field by its disposition (field-dispositions.ts); a refusal is a 400 whose `param`
 * names the failing path, e.g. `prompt` or `logprobs`.
 */
export function decodeCompletionRequest(body: unknown): Outcome<CompletionCall> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail(invalidRequest("The request body must be a JSON object.", null, "invalid_body"))
  }
  const split = splitRequestFields(body, modelledFields, completionFieldDisposition)
  if (!split.ok) return split
  const decoded = decodeModelled(split.value.modelled, strict)
  if (Result.isFailure(decoded)) return fail(schemaIssueToError(decoded.failure.issue, [], split.value.modelled))
  const { model, stream, stream_options: streamOptions, ...fields } = decoded.success
  if (streamOptions?.include_obfuscation === true) {
    return fail(invalidRequest("stream_options.include_obfuscation is not supported: the gateway re-encodes chunks and adds no obfuscation padding.", "stream_options.include_obfuscation", "unsupported_value"))
  }
  const passthrough = split.value.passthrough
  const call: CompletionCall = { model, fields, stream: stream === true, includeUsage: stream === true && streamOptions?.include_usage === true }
  return succeed(Object.keys(passthrough).length === 0 ? call : { ...call, passthrough })
}
