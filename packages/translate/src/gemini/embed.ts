import { Result, Schema } from "effect"
import { embedInputList, type EmbedCall } from "../embeddings/embed-call.ts"
import type { GatewayError } from "../errors/gateway-error.ts"
import type { EmbedResult } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { embeddingUsage } from "../embeddings/map-embeddings-usage.ts"
import { readTokenCount, sumReadings, type TokenReading } from "../model/token-count.ts"
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

/**
 * Gemini refuses a batchEmbedContents of more than 100 requests ("at most 100 requests
 * can be in one batch"; undocumented, observed by client libraries: langchainjs#4491,
 * vercel/ai#16575), while OpenAI clients send up to 2,048 inputs.
 */
export const GEMINI_MAX_EMBEDDINGS_PER_BATCH = 100

/**
 * An embeddings call as the Gemini requests that serve it, in input order, each with how
 * many inputs it carries: one request up to `maxPerBatch` inputs, consecutive batches
 * beyond. Token-id inputs are refused for the whole call, before any batch.
 */
export function encodeEmbedBatches(call: EmbedCall, maxPerBatch: number = GEMINI_MAX_EMBEDDINGS_PER_BATCH): Outcome<readonly { readonly request: GeminiEmbedRequest; readonly count: number }[]> {
  const whole = encodeEmbedRequest(call)
  if (!whole.ok) return whole
  const inputs = embedInputList(call.input)
  if (inputs.length <= maxPerBatch) return succeed([{ request: whole.value, count: inputs.length }])
  const batches: { readonly request: GeminiEmbedRequest; readonly count: number }[] = []
  for (let start = 0; start < inputs.length; start += maxPerBatch) {
    const texts = inputs.slice(start, start + maxPerBatch).filter((input) => typeof input === "string")
    const part = encodeEmbedRequest({ ...call, input: texts })
    if (!part.ok) return part
    batches.push({ request: part.value, count: texts.length })
  }
  return succeed(batches)
}

/** The answers to consecutive batches as one result, in order; usage only when every batch reported it. */
export function joinEmbedResults(results: readonly EmbedResult[]): EmbedResult {
  const [only] = results
  if (results.length === 1 && only !== undefined) return only
  const vectors: (readonly number[])[] = []
  for (const result of results) {
    const sent = result.asSent
    if (sent?.encoding === "float") vectors.push(...sent.vectors)
    else vectors.push(...result.vectors.map((vector) => Array.from(vector)))
  }
  const tokens = joinedTokens(results)
  let floats: readonly Float32Array[] | undefined
  return {
    get vectors() {
      floats ??= vectors.map((values) => Float32Array.from(values))
      return floats
    },
    asSent: { encoding: "float", vectors },
    ...(tokens.kind === "absent" ? {} : { usage: embeddingUsage(tokens, { batches: results.map((result) => result.usage?.raw ?? null) }) }),
  }
}

/** The batches' input tokens summed: untrusted when any batch's is, absent unless every batch reported one. */
function joinedTokens(results: readonly EmbedResult[]): TokenReading {
  const readings = results.map(embeddingTokensOf)
  if (readings.some((reading) => reading.kind === "untrusted")) return sumReadings(readings)
  return readings.some((reading) => reading.kind === "absent") ? { kind: "absent" } : sumReadings(readings)
}

function embeddingTokensOf(result: EmbedResult): TokenReading {
  if (result.usage?.untrusted?.includes("embeddingTokens") === true) return { kind: "untrusted" }
  return readTokenCount(result.usage?.embeddingTokens)
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
  const tokens = readTokenCount(usage?.promptTokenCount)
  let floats: readonly Float32Array[] | undefined
  return succeed({
    get vectors() {
      floats ??= vectors.map((values) => Float32Array.from(values))
      return floats
    },
    asSent: { encoding: "float", vectors },
    ...(usage === undefined || tokens.kind === "absent" ? {} : { usage: embeddingUsage(tokens, usage) }),
  })
}

function refuse(param: string): GatewayError {
  return { _tag: "InvalidRequest", message: "The Gemini backend embeds text only, not token ids.", param, code: "unsupported_parameter" }
}
