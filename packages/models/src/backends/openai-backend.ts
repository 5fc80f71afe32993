import {
  decodeCompletionStreamEvent,
  decodeStreamEvent,
  encodeCompletionRequest,
  encodeChatRequest,
  encodeEmbeddingsRequest,
  embedInputCount,
  fromChatCompletion,
  fromCompletionResponse,
  fromEmbeddingsResponse,
  fromUpstreamError,
  initialCompletionStreamState,
  initialStreamDecoderState,
  openAIErrorBodyStatus,
  readEmbeddingsAnswer,
  type ChatCall,
  type CompletionCall,
  type EmbedCall,
  type EmbedResult,
  type GenerateResult,
} from "@harper-gateway/translate"
import type { AnsweredBatch, BackendContext, CompletionBackend, EmbeddingBackend, GenerativeBackend, UpstreamAnswered } from "../backend.ts"
import { createUpstreamHttp, reducerDecode, SSE_FRAMING, type UpstreamHttp } from "./upstream-http.ts"
import { apiKeyHeader, type UpstreamOptions } from "./upstream-options.ts"

/** Any OpenAI-compatible upstream takes only the transport options every backend takes. */
export type OpenAIBackendOptions = UpstreamOptions

/**
 * Any OpenAI-compatible upstream, over the shared upstream transport (pooled client,
 * deadlines, bounded reads). Streams always ask for usage so streamed calls are accounted.
 * It serves legacy text completions (`/completions`: vLLM, llama.cpp, Ollama's OpenAI API).
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
    generateStream(call: ChatCall, context: BackendContext): AsyncIterable<AnsweredBatch> {
      const decode = reducerDecode(initialStreamDecoderState(undefined, { exposeMessage: options.exposeUpstreamErrors }), (state, data) => decodeStreamEvent(state, data === undefined ? { type: "end" } : { type: "data", data }))
      return http.postStream(context, "/chat/completions", encodeChatRequest({ ...call, stream: true, includeUsage: true }), SSE_FRAMING, decode)
    },
    completions: textCompletions(http, options),
    embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult> {
      // The client's own encoding: a float client gets the upstream's numbers as printed (asking for
      // base64 would widen its `0.1` to 0.10000000149011612), a base64 client its text untouched.
      // Read from the bytes: the vectors are checked where they lie and copied, not parsed and re-printed.
      const count = embedInputCount(call.input)
      return http.postJson(context, "/embeddings", encodeEmbeddingsRequest(call), options.maxEmbeddingsResponseBytes, {
        read: (bytes) => readEmbeddingsAnswer(bytes, count),
        map: (body) => fromEmbeddingsResponse(body, count),
      })
    },
  }
}

/** `POST <baseUrl>/completions`, on the same transport (and bounds) as chat. */
function textCompletions(http: UpstreamHttp, options: OpenAIBackendOptions): CompletionBackend {
  return {
    complete(call: CompletionCall, context: BackendContext): Promise<GenerateResult & UpstreamAnswered> {
      return http.postJson(context, "/completions", encodeCompletionRequest({ ...call, stream: false }), options.maxChatResponseBytes, fromCompletionResponse)
    },
    completeStream(call: CompletionCall, context: BackendContext): AsyncIterable<AnsweredBatch> {
      const decode = reducerDecode(initialCompletionStreamState({ exposeMessage: options.exposeUpstreamErrors }), (state, data) => decodeCompletionStreamEvent(state, data === undefined ? { type: "end" } : { type: "data", data }))
      return http.postStream(context, "/completions", encodeCompletionRequest({ ...call, stream: true }), SSE_FRAMING, decode)
    },
  }
}
