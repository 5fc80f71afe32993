import {
  decodeOllamaStreamEvent,
  embedInputCount,
  encodeOllamaChatRequest,
  encodeOllamaEmbedRequest,
  fromOllamaChatResponse,
  fromOllamaEmbedResponse,
  fromOllamaError,
  openAIErrorBodyStatus,
  GatewayFailure,
  initialOllamaStreamState,
  streamLimits,
  type ChatCall,
  type EmbedCall,
  type EmbedResult,
  type GenerateResult,
  type OllamaModelConfig,
  type Outcome,
} from "@harper-gateway/translate"
import type { AnsweredBatch, BackendContext, EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import type { OpenAIBackendOptions } from "./openai-backend.ts"
import { createUpstreamHttp, NDJSON_FRAMING, reducerDecode, type UpstreamHttp } from "./upstream-http.ts"
import { apiKeyHeader } from "./upstream-options.ts"

/** Ollama's own address when the config names none. */
export const OLLAMA_DEFAULT_BASE_URL = "http://127.0.0.1:11434"

export interface OllamaBackendOptions extends OpenAIBackendOptions {
  /** The model config's `ollama:` key: Modelfile options, keep_alive, think. */
  readonly ollama: OllamaModelConfig
}

/**
 * Ollama's native API (`/api/chat`, NDJSON streams; `/api/embed`) over the shared
 * upstream transport. The mappers in translate/src/ollama decide every field; errors
 * (`{"error": "..."}`) go through translate's Ollama error mapper. The optional apiKey is a
 * bearer token, for an Ollama behind a proxy or ollama.com.
 */
export function createOllamaBackend(options: OllamaBackendOptions): GenerativeBackend & EmbeddingBackend {
  // One transport a call kind: Ollama's errors carry no param, and a context-length error names what the call sent.
  const transport = (request: "chat" | "embed") =>
    createUpstreamHttp({
      ...options,
      headers: apiKeyHeader(options.apiKey, "authorization"),
      errorOf: (answer) => fromOllamaError(answer, Date.now(), { request, exposeMessage: options.exposeUpstreamErrors }),
      // Ollama's error object is OpenAI's bare-string form, `{"error": "..."}`.
      errorStatusOf: openAIErrorBodyStatus,
    })
  const http = transport("chat")
  let embedHttp: UpstreamHttp | undefined
  return {
    name: "ollama",
    async generate(call: ChatCall, context: BackendContext): Promise<GenerateResult> {
      const body = requestOf(encodeOllamaChatRequest({ ...call, stream: false }, options.ollama))
      return http.postJson(context, "/api/chat", body, options.maxChatResponseBytes, fromOllamaChatResponse)
    },
    generateStream(call: ChatCall, context: BackendContext): AsyncIterable<AnsweredBatch> {
      // Refused before the stream starts, so the client gets the 400 and not a stream error.
      const body = requestOf(encodeOllamaChatRequest({ ...call, stream: true }, options.ollama))
      const decode = reducerDecode(initialOllamaStreamState(streamLimits, { exposeMessage: options.exposeUpstreamErrors }), (state, line) => decodeOllamaStreamEvent(state, line === undefined ? { type: "end" } : { type: "line", line }))
      return http.postStream(context, "/api/chat", body, NDJSON_FRAMING, decode)
    },
    async embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult> {
      // Ollama answers floats; a base64 client's encoding is made from them by the response mapper.
      const body = requestOf(encodeOllamaEmbedRequest(call, options.ollama))
      embedHttp ??= transport("embed")
      return embedHttp.postJson(context, "/api/embed", body, options.maxEmbeddingsResponseBytes, (answer) => fromOllamaEmbedResponse(answer, embedInputCount(call.input), call.opts.dimensions))
    },
  }
}

function requestOf<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new GatewayFailure(outcome.error)
  return outcome.value
}
