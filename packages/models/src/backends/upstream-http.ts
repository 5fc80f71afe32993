import { createNdjsonDecoder, createSseDecoder, describeThrown, GatewayFailure, upstreamErrorDetail, type GatewayError, type GenerateChunk, type Outcome, type StreamDecoderOutput } from "@harper-gateway/translate"
import { Agent, request, type Dispatcher } from "undici"
import type { AnsweredBatch, BackendContext, ChunkBatch, UpstreamAnswered } from "../backend.ts"
import { startDeadline, type CallDeadline } from "./call-deadline.ts"
import { carriesContent } from "./chunk-progress.ts"
import { readAnswer, readBounded } from "./read-bounded.ts"
import { UpstreamAnswerFailure } from "./upstream-answer-failure.ts"
import { upstreamFailure } from "./upstream-failure.ts"
import { keptUpstreamHeaders, type UpstreamHeaders } from "./upstream-headers.ts"

export interface UpstreamTimeouts {
  readonly connectMs: number
  /** Until the answer's headers; for a stream, until its first content. */
  readonly firstByteMs: number
  /** Between two contents of a stream (pings, comments and empty chunks are not progress). */
  readonly idleMs: number
  /** A non-streamed answer's body, from its headers to its last byte. */
  readonly bodyMs: number
  readonly totalMs: number
}

/** An upstream's error answer, as a protocol's error mapper reads it. */
interface UpstreamErrorAnswer {
  readonly status: number
  readonly body: string
  readonly header: (name: string) => string | undefined
}

export interface UpstreamHttpOptions {
  readonly baseUrl: string
  /** Sent with every request (authentication, API version); content-type is added. */
  readonly headers: Readonly<Record<string, string>>
  readonly timeouts: UpstreamTimeouts
  /** Error bodies are read up to this and no further. */
  readonly maxErrorBytes: number
  /** The protocol's error mapper (translate's `fromUpstreamError`, `fromAnthropicError`, …). */
  readonly errorOf: (answer: UpstreamErrorAnswer) => GatewayError
  /**
   * The status a 2xx answer's parsed body implies when it is the protocol's error object
   * (translate's `openAIErrorBodyStatus`, `anthropicErrorBodyStatus`, …), undefined for an
   * answer: such a body is mapped by `errorOf` with that status.
   */
  readonly errorStatusOf: (answer: unknown) => number | undefined
  /** Whether the upstream's `openai-organization` reaches clients (default false: it names the operator's organization). */
  readonly exposeUpstreamOrganization?: boolean
}

/**
 * One upstream over HTTP, whatever its protocol: a pooled keep-alive undici Agent,
 * undici's connect, first-byte and between-bytes timers, the call's own deadline (a
 * total one; for streams, a content clock that only content resets; for non-streamed
 * answers, a body deadline), bounded reads,
 * and error answers mapped by the protocol's mapper with the body kept for the operator.
 * The answer's headers go through the allow-list (upstream-headers.ts): the kept ones come
 * with the answer (a stream's on the first chunk of its first batch) or with its failure (UpstreamAnswerFailure).
 */
export interface UpstreamHttp {
  /**
   * A non-streamed call: POSTs `body` to `path` and maps the JSON answer (read up to
   * `limit` bytes). With a `read`, the answer's bytes go to it first; what it leaves
   * (undefined) is parsed and mapped as usual.
   */
  postJson<T extends object>(context: BackendContext, path: string, body: unknown, limit: number, answer: AnswerMap<T> | AnswerReader<T>): Promise<T & UpstreamAnswered>
  /**
   * A streamed call: POSTs `body` to `path` and yields, per network read, one batch of what
   * `decode` makes of the read's frame payloads (`undefined` once, at the end; no empty
   * batches). `framing` is how the upstream cuts its answer.
   */
  postStream(context: BackendContext, path: string, body: unknown, framing: StreamFraming, decode: (payload: string | undefined) => Iterable<GenerateChunk>): AsyncIterable<AnsweredBatch>
}

/** The parsed JSON answer to the call's value, or the failure it is. */
type AnswerMap<T> = (answer: unknown) => Outcome<T>

/**
 * An answer read from its bytes where that is cheaper than parsing it whole (the
 * embeddings' vectors). `read` takes only what it can answer for in full; anything else it
 * leaves to `map`, so errors (not JSON, an error object, a bad shape) stay `map`'s.
 */
interface AnswerReader<T> {
  readonly read: (bytes: Uint8Array) => T | undefined
  readonly map: AnswerMap<T>
}

/** `sse`: payloads are the `data:` of server-sent events; `ndjson`: one JSON value per line. */
export interface StreamFraming {
  readonly accept: string
  readonly decoder: () => { push(bytes: Uint8Array): Iterable<string>; end(): Iterable<string> }
}

export const SSE_FRAMING: StreamFraming = {
  accept: "text/event-stream",
  decoder: () => {
    const sse = createSseDecoder()
    return { push: (bytes) => sse.push(bytes).map((event) => event.data), end: () => sse.end().map((event) => event.data) }
  },
}

export const NDJSON_FRAMING: StreamFraming = { accept: "application/x-ndjson", decoder: createNdjsonDecoder }

/**
 * A protocol's stream reducer as `postStream`'s `decode`: `step` feeds it one payload
 * (`undefined` at the end); its chunks are yielded, `onChunk` seeing each first, and its
 * error is thrown as the call's failure. One reducer state a call.
 */
export function reducerDecode<S>(
  initial: S,
  step: (state: S, payload: string | undefined) => readonly [S, readonly StreamDecoderOutput[]],
  onChunk: (chunk: GenerateChunk) => void = () => undefined,
): (payload: string | undefined) => Generator<GenerateChunk> {
  let state = initial
  return function* (payload) {
    const [next, outputs] = step(state, payload)
    state = next
    for (const output of outputs) {
      if (output.type === "error") throw new GatewayFailure(output.error)
      onChunk(output.chunk)
      yield output.chunk
    }
  }
}

/** The body as JSON; one that cannot be written is the gateway's own failure, never the provider's (no request is made). */
function serialised(body: unknown): string {
  try {
    return JSON.stringify(body)
  } catch (error) {
    throw new GatewayFailure({ _tag: "Internal" }, `the upstream request could not be serialised: ${describeThrown(error)}`)
  }
}

export function createUpstreamHttp(options: UpstreamHttpOptions): UpstreamHttp {
  const { timeouts } = options
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    // Between two bytes: only a backstop, as the call's own clocks are shorter or finer (a
    // stream's first content may take firstByteMs, longer than idleMs).
    bodyTimeout: Math.max(timeouts.firstByteMs, timeouts.idleMs, timeouts.bodyMs),
  })
  const base = options.baseUrl.replace(/\/+$/, "")
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...options.headers }
  const headerPolicy = { exposeOrganization: options.exposeUpstreamOrganization ?? false }

  /** The answer and its headers as the allow-list keeps them. */
  interface Answer {
    readonly response: Dispatcher.ResponseData
    readonly kept: UpstreamHeaders
  }

  async function post(path: string, body: unknown, deadline: CallDeadline, accept?: string): Promise<Answer> {
    const response = await request(`${base}${path}`, {
      method: "POST",
      headers: accept === undefined ? headers : { ...headers, accept },
      body: serialised(body),
      signal: deadline.signal,
      dispatcher: agent,
    })
    deadline.headersArrived()
    const answer = { response, kept: keptUpstreamHeaders(response.headers, headerPolicy) }
    if (response.statusCode >= 400) {
      const { bytes } = await readBounded(response.body, options.maxErrorBytes)
      throw new UpstreamAnswerFailure(errorAnswer(response, response.statusCode, bytes.toString("utf8")), answer.kept)
    }
    return answer
  }

  /** An error answer as the protocol's mapper reads it with `status`; the body, as sent, goes to the operator. */
  function errorAnswer(response: Dispatcher.ResponseData, status: number, text: string): GatewayFailure {
    const reason = options.errorOf({ status, body: text, header: (name) => single(response.headers[name]) })
    return new GatewayFailure(reason, upstreamErrorDetail(response.statusCode, text))
  }

  return {
    async postJson(context, path, body, limit, answer) {
      const { read, map } = typeof answer === "function" ? { read: undefined, map: answer } : answer
      const deadline = startDeadline(context.signal, { totalMs: timeouts.totalMs, bodyMs: timeouts.bodyMs })
      let kept: UpstreamHeaders | undefined
      try {
        const { response, kept: answerHeaders } = await post(path, body, deadline)
        kept = answerHeaders
        const bytes = await readAnswer(response.body, limit)
        const value = read?.(bytes)
        if (value !== undefined) return withAnswerHeaders(value, kept)
        const text = bytes.toString("utf8")
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          throw new GatewayFailure({ _tag: "UpstreamError", code: "invalid_upstream_response", detail: "the upstream's answer is not JSON" })
        }
        // A provider error object sent with 200 is that error, not an invalid answer.
        const impliedStatus = options.errorStatusOf(parsed)
        if (impliedStatus !== undefined) throw errorAnswer(response, impliedStatus, text.length > options.maxErrorBytes ? text.slice(0, options.maxErrorBytes) : text)
        const outcome = map(parsed)
        if (!outcome.ok) throw new GatewayFailure(outcome.error)
        return withAnswerHeaders(outcome.value, kept)
      } catch (error) {
        // A fired deadline wins over the abort it caused.
        throw withKeptHeaders(failureOf(error, deadline, context.signal), UpstreamAnswerFailure.headersOf(error) ?? kept)
      } finally {
        deadline.clear()
      }
    },

    async *postStream(context, path, body, framing, decode) {
      const deadline = startDeadline(context.signal, { totalMs: timeouts.totalMs, content: { firstMs: timeouts.firstByteMs, idleMs: timeouts.idleMs } })
      let response: Dispatcher.ResponseData | undefined
      // Until the first batch is out: the answer's kept headers, which its first chunk carries.
      let unsent: UpstreamHeaders | undefined
      const withHeaders = (batch: ChunkBatch): AnsweredBatch => {
        const headers = unsent
        unsent = undefined
        const [first, ...rest] = batch
        return headers === undefined || Object.keys(headers).length === 0 || first === undefined ? batch : [{ ...first, upstreamHeaders: headers }, ...rest]
      }
      try {
        const answer = await post(path, body, deadline, framing.accept)
        response = answer.response
        unsent = answer.kept
        const frames = framing.decoder()
        for await (const bytes of response.body) {
          const read = decodedRead(frames.push(bytes), decode)
          // Only content is progress: pings, comments and chunks that carry nothing are not.
          if (read.batch.some(carriesContent)) deadline.progress()
          if (read.batch.length > 0) yield withHeaders(read.batch)
          if (read.failed !== undefined) throw read.failed.error
        }
        const last = decodedRead([...frames.end(), undefined], decode)
        if (last.batch.length > 0) yield withHeaders(last.batch)
        if (last.failed !== undefined) throw last.failed.error
      } catch (error) {
        // Before the first chunk the failure is the client's HTTP error, which still gets them.
        throw withKeptHeaders(failureOf(error, deadline, context.signal), UpstreamAnswerFailure.headersOf(error) ?? unsent)
      } finally {
        deadline.clear()
        // Stops reading and closes the upstream connection if we leave early (client gone, error).
        response?.body.destroy()
      }
    },
  }
}

/** What one network read decoded into: its chunks, and the failure that stopped it (thrown after those chunks are given). */
interface DecodedRead {
  readonly batch: GenerateChunk[]
  readonly failed?: { readonly error: unknown }
}

/** Decodes one read's payloads (`undefined` is the end) into one batch; a decode failure keeps the chunks before it, as a per-chunk stream would have given them. */
function decodedRead(payloads: Iterable<string | undefined>, decode: (payload: string | undefined) => Iterable<GenerateChunk>): DecodedRead {
  const batch: GenerateChunk[] = []
  try {
    for (const payload of payloads) for (const chunk of decode(payload)) batch.push(chunk)
  } catch (error) {
    return { batch, failed: { error } }
  }
  return { batch }
}

function failureOf(error: unknown, deadline: CallDeadline, client: AbortSignal): GatewayFailure {
  const expired = deadline.expired()
  if (expired !== undefined && !client.aborted) return new GatewayFailure(expired)
  const failure = upstreamFailure(error, client)
  return failure.detail === undefined && GatewayFailure.detailOf(error) !== undefined ? new GatewayFailure(failure.reason, GatewayFailure.detailOf(error)) : failure
}

/** An answer with the kept headers of the upstream's answer, when any were kept. */
function withAnswerHeaders<T extends object>(value: T, kept: UpstreamHeaders): T & UpstreamAnswered {
  return Object.keys(kept).length === 0 ? value : { ...value, upstreamHeaders: kept }
}

/** A failure with the kept headers of the answer it came after, if one had arrived. */
function withKeptHeaders(failure: GatewayFailure, kept: UpstreamHeaders | undefined): GatewayFailure {
  return kept === undefined || Object.keys(kept).length === 0 ? failure : new UpstreamAnswerFailure(failure, kept)
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
