import {
  createSseDecoder,
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
  type Outcome,
} from "@harper-gateway/translate"
import { Agent, request, type Dispatcher } from "undici"
import type { BackendContext, EmbeddingBackend, GenerativeBackend } from "../models/backend.ts"
import { upstreamFailure } from "./upstream-failure.ts"

export interface OpenAIBackendOptions {
  readonly baseUrl: string
  readonly apiKey: string | undefined
  readonly connectMs: number
  readonly firstByteMs: number
  readonly idleMs: number
}

export const DEFAULT_TIMEOUTS = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000 } as const

/**
 * Any OpenAI-compatible upstream, over one pooled keep-alive undici Agent per backend.
 * undici's own timers give the three timeouts: connect, first byte (headers) and idle
 * (between body chunks). Streams always ask for usage so streamed calls are accounted.
 */
export function createOpenAIBackend(options: OpenAIBackendOptions): GenerativeBackend & EmbeddingBackend {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connect: { timeout: options.connectMs },
    headersTimeout: options.firstByteMs,
    bodyTimeout: options.idleMs,
  })
  const base = options.baseUrl.replace(/\/+$/, "")
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" }
  if (options.apiKey !== undefined && options.apiKey !== "") headers["authorization"] = `Bearer ${options.apiKey}`

  async function post(path: string, body: unknown, signal: AbortSignal, accept?: string): Promise<Dispatcher.ResponseData> {
    try {
      const response = await request(`${base}${path}`, {
        method: "POST",
        headers: accept === undefined ? headers : { ...headers, accept },
        body: JSON.stringify(body),
        signal,
        dispatcher: agent,
      })
      if (response.statusCode >= 400) {
        const text = await response.body.text()
        throw new GatewayFailure(fromUpstreamError({ status: response.statusCode, body: text, header: (name) => single(response.headers[name]) }, Date.now()))
      }
      return response
    } catch (error) {
      throw upstreamFailure(error, signal)
    }
  }

  async function readJson<T>(response: Dispatcher.ResponseData, signal: AbortSignal, map: (body: unknown) => Outcome<T>): Promise<T> {
    let body: unknown
    try {
      body = await response.body.json()
    } catch (error) {
      if (signal.aborted) throw upstreamFailure(error, signal)
      throw new GatewayFailure({ _tag: "UpstreamError", code: "invalid_upstream_response", detail: "the upstream's answer is not JSON" })
    }
    const outcome = map(body)
    if (!outcome.ok) throw new GatewayFailure(outcome.error)
    return outcome.value
  }

  return {
    name: "openai",
    async generate(call: ChatCall, context: BackendContext): Promise<GenerateResult> {
      const response = await post("/chat/completions", encodeChatRequest({ ...call, stream: false, includeUsage: false }), context.signal)
      return readJson(response, context.signal, fromChatCompletion)
    },
    async *generateStream(call: ChatCall, context: BackendContext): AsyncIterable<GenerateChunk> {
      const response = await post("/chat/completions", encodeChatRequest({ ...call, stream: true, includeUsage: true }), context.signal, "text/event-stream")
      const sse = createSseDecoder()
      let state = initialStreamDecoderState()
      const feed = function* (data: string | undefined): Generator<GenerateChunk> {
        const [next, outputs] = decodeStreamEvent(state, data === undefined ? { type: "end" } : { type: "data", data })
        state = next
        for (const output of outputs) {
          if (output.type === "error") throw new GatewayFailure(output.error)
          yield output.chunk
        }
      }
      try {
        for await (const bytes of response.body) for (const event of sse.push(bytes)) yield* feed(event.data)
        for (const event of sse.end()) yield* feed(event.data)
        yield* feed(undefined)
      } catch (error) {
        throw upstreamFailure(error, context.signal)
      } finally {
        // Stops reading and closes the upstream connection if we leave early (client gone, error).
        response.body.destroy()
      }
    },
    async embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult> {
      // base64 is a quarter of the bytes of JSON floats; the client gets the encoding it asked for.
      const response = await post("/embeddings", encodeEmbeddingsRequest(call, "base64"), context.signal)
      return readJson(response, context.signal, (body) => fromEmbeddingsResponse(body, embedInputCount(call.input)))
    },
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
