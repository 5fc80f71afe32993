import {
  createSseDecoder,
  decodeStreamEvent,
  encodeChatRequest,
  encodeEmbeddingsRequest,
  embedInputCount,
  fromChatCompletion,
  fromEmbeddingsResponse,
  fromUpstreamError,
  upstreamErrorDetail,
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
import type { BackendContext, EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import { startDeadline, type CallDeadline } from "./call-deadline.ts"
import { readAnswer, readBounded } from "./read-bounded.ts"
import { upstreamFailure } from "./upstream-failure.ts"

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
 * Any OpenAI-compatible upstream, over one pooled keep-alive undici Agent per backend.
 * undici's own timers give the connect, first-byte and between-bytes timeouts; the
 * call's deadline adds a total one and, for streams, an idle clock that only data
 * events reset. Answers are read up to a size limit and no further. Streams always ask
 * for usage so streamed calls are accounted.
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

  async function post(path: string, body: unknown, deadline: CallDeadline, accept?: string): Promise<Dispatcher.ResponseData> {
    const response = await request(`${base}${path}`, {
      method: "POST",
      headers: accept === undefined ? headers : { ...headers, accept },
      body: JSON.stringify(body),
      signal: deadline.signal,
      dispatcher: agent,
    })
    if (response.statusCode >= 400) {
      const { bytes } = await readBounded(response.body, options.maxErrorBytes)
      const text = bytes.toString("utf8")
      const reason = fromUpstreamError({ status: response.statusCode, body: text, header: (name) => single(response.headers[name]) }, Date.now(), {
        exposeMessage: options.exposeUpstreamErrors,
      })
      throw new GatewayFailure(reason, upstreamErrorDetail(response.statusCode, text))
    }
    return response
  }

  async function readJson<T>(response: Dispatcher.ResponseData, limit: number, map: (body: unknown) => Outcome<T>): Promise<T> {
    const bytes = await readAnswer(response.body, limit)
    let body: unknown
    try {
      body = JSON.parse(bytes.toString("utf8"))
    } catch {
      throw new GatewayFailure({ _tag: "UpstreamError", code: "invalid_upstream_response", detail: "the upstream's answer is not JSON" })
    }
    const outcome = map(body)
    if (!outcome.ok) throw new GatewayFailure(outcome.error)
    return outcome.value
  }

  /** Runs one call under its deadline; whatever it throws becomes a reason (a fired deadline wins over the abort it caused). */
  async function withDeadline<T>(context: BackendContext, idle: boolean, run: (deadline: CallDeadline) => Promise<T>): Promise<T> {
    const deadline = startDeadline(context.signal, options.totalMs, idle ? options.idleMs : undefined)
    try {
      return await run(deadline)
    } catch (error) {
      throw failureOf(error, deadline, context.signal)
    } finally {
      deadline.clear()
    }
  }

  return {
    name: "openai",
    generate(call: ChatCall, context: BackendContext): Promise<GenerateResult> {
      return withDeadline(context, false, async (deadline) => {
        const response = await post("/chat/completions", encodeChatRequest({ ...call, stream: false, includeUsage: false }), deadline)
        return readJson(response, options.maxChatResponseBytes, fromChatCompletion)
      })
    },
    async *generateStream(call: ChatCall, context: BackendContext): AsyncIterable<GenerateChunk> {
      const deadline = startDeadline(context.signal, options.totalMs, options.idleMs)
      let response: Dispatcher.ResponseData | undefined
      try {
        response = await post("/chat/completions", encodeChatRequest({ ...call, stream: true, includeUsage: true }), deadline, "text/event-stream")
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
        for await (const bytes of response.body) {
          for (const event of sse.push(bytes)) {
            // Only data is progress: comments (`: keepalive`) never produce an event.
            deadline.progress()
            yield* feed(event.data)
          }
        }
        for (const event of sse.end()) yield* feed(event.data)
        yield* feed(undefined)
      } catch (error) {
        throw failureOf(error, deadline, context.signal)
      } finally {
        deadline.clear()
        // Stops reading and closes the upstream connection if we leave early (client gone, error).
        response?.body.destroy()
      }
    },
    embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult> {
      return withDeadline(context, false, async (deadline) => {
        // The client's own encoding: a float client gets the upstream's numbers as printed (asking for
        // base64 would widen its `0.1` to 0.10000000149011612), a base64 client its text untouched.
        const response = await post("/embeddings", encodeEmbeddingsRequest(call), deadline)
        return readJson(response, options.maxEmbeddingsResponseBytes, (body) => fromEmbeddingsResponse(body, embedInputCount(call.input)))
      })
    },
  }
}

function failureOf(error: unknown, deadline: CallDeadline, client: AbortSignal): GatewayFailure {
  const expired = deadline.expired()
  if (expired !== undefined && !client.aborted) return new GatewayFailure(expired)
  const failure = upstreamFailure(error, client)
  return failure.detail === undefined && GatewayFailure.detailOf(error) !== undefined ? new GatewayFailure(failure.reason, GatewayFailure.detailOf(error)) : failure
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
