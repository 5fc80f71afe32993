import {
  decodeStreamEvent,
  encodeChatRequest,
  encodeEmbeddingsRequest,
  embedInputCount,
  fromChatCompletion,
  fromEmbeddingsResponse,
  fromUpstreamError,
  GatewayFailure,
  initialStreamDecoderState,
  type ChatCall,
  type EmbedCall,
  type EmbedResult,
  type GenerateChunk,
  type GenerateResult,
} from "@harper-gateway/translate"
import type { BackendContext, EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import { createUpstreamHttp, SSE_FRAMING } from "./upstream-http.ts"

export interface OpenAIBackendOptions {
  readonly baseUrl: string
  readonly apiKey: string | undefined
  readonly connectMs: number
  readonly firstByteMs: number
  readonly idleMs: number
  readonly totalMs: number
  /** Largest non-streamed chat answer read. */
  readonly maxChatResponseBytes: number
  /** Largest embeddings answer read. */
  readonly maxEmbeddingsResponseBytes: number
  /** Error bodies are read up to this and no further. */
  readonly maxErrorBytes: number
  /** Whether an upstream's JSON error message reaches clients (redacted). */
  readonly exposeUpstreamErrors: boolean
}

export const DEFAULT_TIMEOUTS = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000, totalMs: 600_000 } as const

export const DEFAULT_RESPONSE_LIMITS = {
  maxChatResponseBytes: 16 * 1024 * 1024,
  // The largest legal answer, 2,048 inputs of 3,072 dimensions, as float JSON (the client's encoding is
  // asked for): up to ~32 bytes a number where the upstream prints doubles and indents (base64 needs 43 MiB).
  // Held once as bytes, once parsed; a float client's own answer is as large whatever the upstream sends.
  maxEmbeddingsResponseBytes: 2048 * 3072 * 32 + 1024 * 1024,
  maxErrorBytes: 64 * 1024,
} as const

/**
 * Any OpenAI-compatible upstream, over the shared upstream transport (pooled client,
 * deadlines, bounded reads). Streams always ask for usage so streamed calls are accounted.
 */
export function createOpenAIBackend(options: OpenAIBackendOptions): GenerativeBackend & EmbeddingBackend {
  const http = createUpstreamHttp({
    baseUrl: options.baseUrl,
    headers: options.apiKey !== undefined && options.apiKey !== "" ? { authorization: `Bearer ${options.apiKey}` } : {},
    timeouts: options,
    maxErrorBytes: options.maxErrorBytes,
    errorOf: (answer) => fromUpstreamError(answer, Date.now(), { exposeMessage: options.exposeUpstreamErrors }),
  })
  return {
    name: "openai",
    generate(call: ChatCall, context: BackendContext): Promise<GenerateResult> {
      return http.postJson(context, "/chat/completions", encodeChatRequest({ ...call, stream: false, includeUsage: false }), options.maxChatResponseBytes, fromChatCompletion)
    },
    generateStream(call: ChatCall, context: BackendContext): AsyncIterable<GenerateChunk> {
      let state = initialStreamDecoderState(undefined, { exposeMessage: options.exposeUpstreamErrors })
      const decode = function* (data: string | undefined): Generator<GenerateChunk> {
        const [next, outputs] = decodeStreamEvent(state, data === undefined ? { type: "end" } : { type: "data", data })
        state = next
        for (const output of outputs) {
          if (output.type === "error") throw new GatewayFailure(output.error)
          yield output.chunk
        }
      }
      return http.postStream(context, "/chat/completions", encodeChatRequest({ ...call, stream: true, includeUsage: true }), SSE_FRAMING, decode)
    },
    embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult> {
      // The client's own encoding: a float client gets the upstream's numbers as printed (asking for
      // base64 would widen its `0.1` to 0.10000000149011612), a base64 client its text untouched.
      return http.postJson(context, "/embeddings", encodeEmbeddingsRequest(call), options.maxEmbeddingsResponseBytes, (body) => fromEmbeddingsResponse(body, embedInputCount(call.input)))
    },
  }
}
