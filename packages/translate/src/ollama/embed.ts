import { Result, Schema } from "effect"
import { embedInputList, type EmbedCall } from "../embeddings/embed-call.ts"
import type { EmbedResult } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { usageFromOllama } from "./map-usage.ts"
import { embeddingUsage } from "../embeddings/map-embeddings-usage.ts"
import { readTokenCount } from "../model/token-count.ts"
import type { OllamaModelConfig } from "./encode-chat-request.ts"
import { OllamaEmbedResponse, type OllamaEmbedRequest } from "./wire.ts"

/** An embeddings call as an Ollama `/api/embed` body. Token-id inputs are refused (Ollama embeds text); `user` and `inputType` have no Ollama field and are ignored. */
export function encodeOllamaEmbedRequest(call: EmbedCall, config: OllamaModelConfig = {}): Outcome<OllamaEmbedRequest> {
  const inputs = embedInputList(call.input)
  const texts: string[] = []
  for (const [i, input] of inputs.entries()) {
    if (typeof input !== "string") return fail({ _tag: "InvalidRequest", message: "The Ollama backend embeds text only, not token ids.", param: inputs.length === 1 ? "input" : `input[${i}]`, code: "unsupported_parameter" })
    texts.push(input)
  }
  return succeed({
    model: call.opts.model,
    input: typeof call.input === "string" ? call.input : texts,
    ...(call.opts.dimensions === undefined ? {} : { dimensions: call.opts.dimensions }),
    // Ollama cuts an over-long input by default; an OpenAI client expects a 400 for it.
    truncate: config.truncate === true,
    ...(config.keepAlive === undefined ? {} : { keep_alive: config.keepAlive }),
    ...(config.options === undefined ? {} : { options: config.options }),
  })
}

const decode = Schema.decodeUnknownResult(OllamaEmbedResponse)

/**
 * Ollama's `/api/embed` answer: one vector per input, in order (the count must match);
 * prompt_eval_count is the usage. When the client asked for `dimensions`, every vector
 * must have that size: a server or model that ignores the field (older Ollama, a model
 * without truncatable embeddings) is a 400 naming it, never vectors of another size.
 */
export function fromOllamaEmbedResponse(body: unknown, expectedCount: number, dimensions?: number): Outcome<EmbedResult> {
  const decoded = decode(body)
  if (Result.isFailure(decoded) || decoded.success.embeddings.length !== expectedCount) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  const response = decoded.success
  const vectors = response.embeddings
  if (dimensions !== undefined && vectors.some((vector) => vector.length !== dimensions)) {
    return fail({ _tag: "InvalidRequest", message: `This Ollama model does not support 'dimensions': it answered vectors of another size than ${dimensions}.`, param: "dimensions", code: "unsupported_parameter" })
  }
  const tokens = readTokenCount(response.prompt_eval_count)
  const timed = usageFromOllama(response)
  const usage = tokens.kind === "absent" ? undefined : { ...timed, ...embeddingUsage(tokens, timed.raw ?? {}) }
  let floats: readonly Float32Array[] | undefined
  return succeed({
    get vectors() {
      floats ??= vectors.map((values) => Float32Array.from(values))
      return floats
    },
    asSent: { encoding: "float", vectors },
    ...(usage === undefined ? {} : { usage }),
    ...(response.model == null ? {} : { model: response.model }),
  })
}
