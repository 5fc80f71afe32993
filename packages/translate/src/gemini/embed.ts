import { Result, Schema } from "effect"
import { embedInputList, type EmbedCall } from "../embeddings/embed-call.ts"
import type { GatewayError } from "../errors/gateway-error.ts"
import type { EmbedResult } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { GeminiBatchEmbedResponse, GeminiEmbedContentResponse, type GeminiEmbedContentRequest } from "./wire.ts"

export type GeminiEmbedRequest =
  | { readonly method: "embedContent"; readonly path: string; readonly body: GeminiEmbedContentRequest }
  | { readonly method: "batchEmbedContents"; readonly path: string; readonly body: { readonly requests: readonly GeminiEmbedContentRequest[] } }

/**
 * An embeddings call as Gemini's embedContent (one input) or batchEmbedContents (several),
 * with the request path under the API base. Token-id inputs are refused (Gemini embeds
 * text only); `dimensions` is outputDimensionality; inputType picks the retrieval task.
 * `user` has no Gemini field and is ignored.
 */
export function encodeEmbedRequest(call: EmbedCall): Outcome<GeminiEmbedRequest> {
  const texts: string[] = []
  for (const [i, input] of embedInputList(call.input).entries()) {
    if (typeof input !== "string") return fail(refuse(typeof call.input === "string" || embedInputList(call.input).length === 1 ? "input" : `input[${i}]`))
    texts.push(input)
  }
  const model = `models/${call.opts.model}`
  const one = (text: string): GeminiEmbedContentRequest => ({
    model,
    content: { parts: [{ text }] },
    ...(call.opts.inputType === undefined ? {} : { taskType: call.opts.inputType === "query" ? "RETRIEVAL_QUERY" : "RETRIEVAL_DOCUMENT" }),
    ...(call.opts.dimensions === undefined ? {} : { outputDimensionality: call.opts.dimensions }),
  })
  const name = encodeURIComponent(call.opts.model)
  const [only] = texts
  if (texts.length === 1 && only !== undefined) return succeed({ method: "embedContent", path: `models/${name}:embedContent`, body: one(only) })
  return succeed({ method: "batchEmbedContents", path: `models/${name}:batchEmbedContents`, body: { requests: texts.map(one) } })
}

const decodeOne = Schema.decodeUnknownResult(GeminiEmbedContentResponse)
const decodeBatch = Schema.decodeUnknownResult(GeminiBatchEmbedResponse)

/**
 * Gemini's embedding answer, one vector per input in order; the count must match what
 * was sent. The Gemini API reports no usage here; a `usageMetadata.promptTokenCount`
 * (as Vertex sends) is read when present.
 */
export function fromEmbedResponse(body: unknown, expectedCount: number): Outcome<EmbedResult> {
  const one = decodeOne(body)
  const batch = Result.isSuccess(one) ? undefined : decodeBatch(body)
  const read = Result.isSuccess(one)
    ? { vectors: [one.success.embedding.values], usage: one.success.usageMetadata }
    : batch !== undefined && Result.isSuccess(batch)
      ? { vectors: batch.success.embeddings.map((embedding) => embedding.values), usage: batch.success.usageMetadata }
      : undefined
  if (read === undefined || read.vectors.length !== expectedCount) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  const { vectors } = read
  const usage = read.usage ?? undefined
  const tokens = usage?.promptTokenCount
  let floats: readonly Float32Array[] | undefined
  return succeed({
    get vectors() {
      return (floats ??= vectors.map((values) => Float32Array.from(values)))
    },
    asSent: { encoding: "float", vectors },
    ...(usage !== undefined && typeof tokens === "number" && Number.isInteger(tokens) && tokens >= 0 ? { usage: { promptTokens: tokens, embeddingTokens: tokens, totalTokens: tokens, raw: usage } } : {}),
  })
}

function refuse(param: string): GatewayError {
  return { _tag: "InvalidRequest", message: "The Gemini backend embeds text only, not token ids.", param, code: "unsupported_parameter" }
}
