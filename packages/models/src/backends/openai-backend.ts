import {
  decodeStreamEvent,
  encodeChatRequest,
  encodeEmbeddingsRequest,
  embedInputCount,
  fromChatCompletion,
  fromEmbeddingsResponse,
  fromUpstreamError,
  initialStreamDecoderState,
  openAIErrorBodyStatus,
  type ChatCall,
  type EmbedCall,
  type EmbedResult,
  type GenerateResult,
} from "@harper-gateway/translate"
import type { BackendContext, ChunkBatch, EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import { createUpstreamHttp, reducerDecode, SSE_FRAMING } from "./upstream-http.ts"
import { apiKeyHeader, type UpstreamOptions } from "./upstream-options.ts"

/** Any OpenAI-compatible upstream takes only the transport options every backend takes. */
export type OpenAIBackendOptions = UpstreamOptions

/**
 * Any OpenAI-compatible upstream, over the shared upstream transport (pooled client,
 * deadlines, bounded reads). Streams always ask for usage so streamed calls are accounted.
 */
export function createOpenAIBackend(options: OpenAIBackendOptions): GenerativeBackend & EmbeddingBackend {
  const http = createUpstreamHttp({
    ...options,
    headers: apiKeyHeader(options.apiKey, "authorization"),
    errorOf: (answer) => fromUpstreamError(answer, Date.now(), { exposeMessage: options.exposeUpstreamErrors }),
    errorStatusOf: openAIErrorBodyStatus,
  })
  return {
    name: "openai",
    generate(call: ChatCall, context: BackendContext): Promise<GenerateResult> {
      return http.postJson(context, "/chat/completions", encodeChatRequest({ ...call, stream: false, includeUsage: false }), options.maxChatResponseBytes, fromChatCompletion)
    },
    generateStream(call: ChatCall, context: BackendContext): AsyncIterable<ChunkBatch> {
      const decode = reducerDecode(initialStreamDecoderState(undefined, { exposeMessage: options.exposeUpstreamErrors }), (state, data) => decodeStreamEvent(state, data === undefined ? { type: "end" } : { type: "data", data }))
      return http.postStream(context, "/chat/completions", encodeChatRequest({ ...call, stream: true, includeUsage: true }), SSE_FRAMING, decode)
    },
    embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult> {
      // The client's own encoding: a float client gets the upstream's numbers as printed (asking for
      // base64 would widen its `0.1` to 0.10000000149011612), a base64 client its text untouched.
      return http.postJson(context, "/embeddings", encodeEmbeddingsRequest(call), options.maxEmbeddingsResponseBytes, (body) => fromEmbeddingsResponse(body, embedInputCount(call.input)))
    },
  }
}
