/**
 * Batching streams (one step per upstream read instead of per event) must not change a
 * byte a client receives. The whole chain (a real loopback upstream sending recorded
 * provider bytes cut into reads at arbitrary points -> backend -> models service ->
 * chat's SSE body / the Responses handler) is compared with an oracle: the per-event
 * implementation as it was before batching (main at f4fb83b: upstream-http.ts
 * `postStream`'s read loop, sse-stream.ts `coalescedSse`, and the two handlers' reducer
 * glue), copied below and run on the same bytes.
 */
import { createServer } from "node:http"
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Schema } from "effect"
import fc from "fast-check"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest"
import { buildRegistry, createModelsService, firstModelOf, ModelsConfig, type CallMeta } from "@harper-gateway/models"
import {
  createChunkSseEncoder,
  createSseDecoder,
  decodeAnthropicStreamEvent,
  decodeResponsesRequest,
  decodeStreamEvent,
  encodeResponseEventSse,
  encodeResponsesStreamEvent,
  encodeSseData,
  encodeStreamEvent,
  GatewayFailure,
  initialAnthropicStreamState,
  initialResponsesStreamState,
  initialStreamDecoderState,
  initialStreamEncoderState,
  SSE_DONE,
  toOpenAIError,
  type CompletionIdentity,
  type GenerateChunk,
  type ResponseIdentity,
  type ResponsesCall,
  type ResponsesStreamEvent,
  type StreamDecoderOutput,
  type StreamEncoderEvent,
  type StreamEncoderOutput,
} from "@harper-gateway/translate"
import { listenOnLoopback } from "../../../models/test/listen-loopback.ts"
import { recordedDir, sharedDir } from "../../../translate/test/shared-dir.ts"
import { createResponseStore, type StoreTable } from "../responses/response-store.ts"
import type { Gateway } from "./gateway.ts"
import type { HarperRequest } from "./harper-request.ts"
import { sseBody } from "./chat-completions.ts"
import { createResponse, DEFAULT_MAX_CHAIN_DEPTH, DEFAULT_MAX_HISTORY_BYTES } from "./responses.ts"

const anthropicDir = resolve(sharedDir, "fixtures", "recorded", "anthropic")
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")

/** The recorded streams, framed as the fixtures' README says each provider frames them. */
const openaiStream = (name: string) =>
  `${lines(join(recordedDir, name))
    .map((line) => `data: ${line}\n\n`)
    .join("")}data: [DONE]\n\n`
const anthropicStream = (name: string) =>
  lines(join(anthropicDir, name))
    .map((line) => `event: ${String(Reflect.get(JSON.parse(line) as object, "type"))}\ndata: ${line}\n\n`)
    .join("")

/**
 * A stream whose provider fails after a few events, with more after the failure (never to
 * be read): the error frames as the providers document them. OpenAI: an error object
 * (`{"error":{"message","type","param","code"}}`, its API reference's error shape, with the
 * message of its documented 500); Anthropic: the `error` event of its streaming docs
 * ("Error events": `overloaded_error`, "Overloaded").
 */
const failingMidway = (framed: string, error: string) => {
  const events = framed.split("\n\n").filter((event) => event !== "")
  return [...events.slice(0, 5), error, ...events.slice(5)].map((event) => `${event}\n\n`).join("")
}
const OPENAI_ERROR_FRAME = 'data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}'
const ANTHROPIC_ERROR_EVENT = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'

type Dialect = "openai" | "anthropic"
const FIXTURES: readonly { readonly name: string; readonly dialect: Dialect; readonly bytes: Buffer }[] = [
  { name: "openai-text", dialect: "openai", bytes: Buffer.from(openaiStream("openai-text.chunks.txt")) },
  { name: "xai-tool-call", dialect: "openai", bytes: Buffer.from(openaiStream("xai-tool-call.chunks.txt")) },
  { name: "deepseek-reasoning", dialect: "openai", bytes: Buffer.from(openaiStream("deepseek-reasoning.chunks.txt")) },
  { name: "anthropic-text", dialect: "anthropic", bytes: Buffer.from(anthropicStream("anthropic-text.chunks.txt")) },
  { name: "anthropic-json-tool", dialect: "anthropic", bytes: Buffer.from(anthropicStream("anthropic-json-tool.1.chunks.txt")) },
  { name: "anthropic-clear-thinking", dialect: "anthropic", bytes: Buffer.from(anthropicStream("anthropic-clear-thinking.1.chunks.txt")) },
  { name: "openai-error-midstream", dialect: "openai", bytes: Buffer.from(failingMidway(openaiStream("openai-text.chunks.txt"), OPENAI_ERROR_FRAME)) },
  { name: "anthropic-overloaded-midstream", dialect: "anthropic", bytes: Buffer.from(failingMidway(anthropicStream("anthropic-text.chunks.txt"), ANTHROPIC_ERROR_EVENT)) },
]
const WHOLE = FIXTURES.filter((fixture) => !fixture.name.endsWith("-midstream"))

const MODEL: Record<Dialect, { readonly logical: string; readonly upstream: string }> = {
  openai: { logical: "oa", upstream: "gpt-4.1-nano" },
  anthropic: { logical: "an", upstream: "claude-sonnet-4-5" },
}

/** What the upstream sends next: its reads, one write each. */
let script: readonly Uint8Array[] = []
let upstream: Awaited<ReturnType<typeof listenOnLoopback>>
beforeAll(async () => {
  upstream = await listenOnLoopback(
    createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream" })
        const reads = script
        // A pause between writes, so each tends to be its own network read at the gateway.
        const send = (index: number): void => {
          const read = reads[index]
          if (read === undefined) return void res.end()
          res.write(read)
          setTimeout(() => send(index + 1), 1)
        }
        send(0)
      })
    }),
  )
})
afterAll(() => upstream.close())
// Responses' created_at/completed_at and Anthropic's error clock read Date: one fixed instant for both sides.
beforeEach(() => void vi.useFakeTimers({ toFake: ["Date"], now: 1_765_000_000_000 }))
afterEach(() => void vi.useRealTimers())

function service() {
  const config = Schema.decodeUnknownSync(ModelsConfig)({
    generative: {
      oa: { backend: "openai", baseUrl: `${upstream.url}/v1`, model: MODEL.openai.upstream, routing: { retries: { max: 0 } } },
      an: { backend: "anthropic", baseUrl: upstream.url, apiKey: "k", model: MODEL.anthropic.upstream, routing: { retries: { max: 0 } } },
    },
  })
  return createModelsService(buildRegistry(config).registry, { started: () => undefined, record: () => undefined })
}

const meta = (endpoint: string): CallMeta => ({ tenant: "t", user: "u", endpoint, signal: new AbortController().signal })

/** A stream's bytes cut at `cuts`, and shortened to `keep` bytes when given (a stream cut short is an in-stream error). */
function readsOf(bytes: Buffer, cuts: readonly number[], keep: number | null): Uint8Array[] {
  const sent = keep === null ? bytes : bytes.subarray(0, keep)
  const points = [...new Set(cuts.map((cut) => Math.min(cut, sent.length)))].sort((a, b) => a - b)
  const reads: Uint8Array[] = []
  let from = 0
  for (const point of [...points, sent.length]) {
    if (point > from) reads.push(sent.subarray(from, point))
    from = point
  }
  return reads
}

/** What a client gets: the SSE text of a stream, or the refusal (an ordinary HTTP error) before it began. */
type ClientBytes = { readonly sse: string } | { readonly refused: string }

async function joined(body: AsyncIterable<string>): Promise<string> {
  let text = ""
  for await (const piece of body) text += piece
  return text
}

// ---- The new chain, as the gateway runs it. ----

const CHAT_IDENTITY = { id: "chatcmpl-property", created: 1_765_000_000 }

async function gatewayChat(dialect: Dialect): Promise<ClientBytes> {
  const call = { input: { messages: [{ role: "user" as const, content: "hi" }] }, opts: { model: MODEL[dialect].logical }, stream: true, includeUsage: true }
  try {
    const { route, first, rest } = await service().openChatStream(call, meta("chat.completions"))
    return { sse: await joined(sseBody(first, rest, { ...CHAT_IDENTITY, model: firstModelOf(first) ?? route.upstreamModel }, true)) }
  } catch (error) {
    return { refused: GatewayFailure.reasonOf(error)?._tag ?? "not a gateway failure" }
  }
}

function memoryTable(): StoreTable {
  const rows = new Map<string, object>()
  return { put: async (record: object) => void rows.set(String(Reflect.get(record, "id")), record), get: async (id: string) => rows.get(id), delete: async (id: string) => void rows.delete(id) }
}

const root = { username: "root", role: { permission: { super_user: true } } }
const request: HarperRequest = { method: "POST", pathname: "/v1/responses", headers: { get: (name: string) => (name === "content-type" ? "application/json" : undefined), set: () => undefined, delete: () => undefined }, user: root }
const responsesBody = (dialect: Dialect) => ({ model: MODEL[dialect].logical, input: "hi", stream: true })

/** The Responses handler's SSE text, and the identity it chose (read from its first event). */
async function gatewayResponses(dialect: Dialect): Promise<{ readonly bytes: ClientBytes; readonly identity?: Pick<ResponseIdentity, "id" | "createdAt"> }> {
  const gateway: Gateway = {
    models: service(),
    auth: { settings: { roles: new Set(), tenantAttribute: "tenant" }, deps: { findKey: async () => undefined, findUser: async () => undefined } },
    headerHooks: [],
    logError: () => undefined,
  }
  const deps = {
    store: createResponseStore(memoryTable(), memoryTable(), memoryTable()),
    bounds: { maxDepth: DEFAULT_MAX_CHAIN_DEPTH, maxBytes: DEFAULT_MAX_HISTORY_BYTES },
    window: { contextWindowOf: () => undefined, defaultOutputTokens: 1_024 },
  }
  const answer = await createResponse(gateway, deps, request, responsesBody(dialect))
  if (answer.status !== 200 || typeof answer.body === "string" || answer.body instanceof Uint8Array) return { bytes: { refused: String(answer.status) } }
  const sse = await joined(answer.body)
  const created: unknown = JSON.parse(sse.slice(sse.indexOf("data: ") + 6, sse.indexOf("\n", sse.indexOf("data: "))))
  const response: unknown = typeof created === "object" && created !== null ? Reflect.get(created, "response") : undefined
  const id: unknown = typeof response === "object" && response !== null ? Reflect.get(response, "id") : undefined
  const createdAt: unknown = typeof response === "object" && response !== null ? Reflect.get(response, "created_at") : undefined
  if (typeof id !== "string" || typeof createdAt !== "number") throw new Error(`no response.created first: ${sse.slice(0, 200)}`)
  return { bytes: { sse }, identity: { id, createdAt } }
}

// ---- The oracle: the per-event implementation before batching (main at f4fb83b), copied. ----

/** upstream-http.ts `reducerDecode`, as it was. */
function oracleReducerDecode<S>(initial: S, step: (state: S, payload: string | undefined) => readonly [S, readonly StreamDecoderOutput[]]) {
  let state = initial
  return function* (payload: string | undefined): Generator<GenerateChunk> {
    const [next, outputs] = step(state, payload)
    state = next
    for (const output of outputs) {
      if (output.type === "error") throw new GatewayFailure(output.error)
      yield output.chunk
    }
  }
}

/** The backends' decoders as openai-backend.ts and anthropic-backend.ts set them up (errors exposed, the default). */
function oracleDecode(dialect: Dialect) {
  switch (dialect) {
    case "openai":
      return oracleReducerDecode(initialStreamDecoderState(undefined, { exposeMessage: true }), (state, data) => decodeStreamEvent(state, data === undefined ? { type: "end" } : { type: "data", data }))
    case "anthropic":
      return oracleReducerDecode(initialAnthropicStreamState({ nowMs: Date.now(), exposeMessage: true }), (state, data) => decodeAnthropicStreamEvent(state, data === undefined ? { type: "end" } : { type: "event", data }))
    default: {
      const unreachable: never = dialect
      return unreachable
    }
  }
}

/** `postStream`'s read loop, one chunk a step. */
async function* oracleChunks(reads: readonly Uint8Array[], dialect: Dialect): AsyncGenerator<GenerateChunk> {
  const decode = oracleDecode(dialect)
  const sse = createSseDecoder()
  for (const bytes of reads) {
    for (const event of sse.push(bytes)) yield* decode(event.data)
    await Promise.resolve()
  }
  for (const event of sse.end()) yield* decode(event.data)
  yield* decode(undefined)
}

interface OracleProtocol<T> {
  readonly head?: () => string
  readonly chunk: (value: T) => string
  readonly end: () => string
  readonly error: (error: unknown) => string
}

/** sse-stream.ts `coalescedSse`, as it was. */
async function* oracleCoalescedSse<T>(first: IteratorResult<T>, iterator: AsyncIterator<T>, protocol: OracleProtocol<T>): AsyncGenerator<string> {
  let pending = protocol.head?.() ?? ""
  let sentFirst = false
  let tail: string
  try {
    let step = first
    while (step.done !== true) {
      pending += protocol.chunk(step.value)
      const next = iterator.next()
      next.catch(() => undefined)
      if (pending !== "" && (!sentFirst || !(await settlesThisTurn(next)))) {
        yield pending
        pending = ""
        if (!sentFirst) await new Promise((resolve) => setImmediate(resolve))
        sentFirst = true
      }
      step = await next
    }
    tail = pending + protocol.end()
  } catch (error) {
    tail = pending + protocol.error(error)
  } finally {
    await iterator.return?.()
  }
  yield tail
}

function settlesThisTurn(promise: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setImmediate(() => resolve(false))
    const settled = () => {
      clearImmediate(timer)
      resolve(true)
    }
    promise.then(settled, settled)
  })
}

/** chat-completions.ts `sseBody`'s protocol, as it was. */
function oracleChatProtocol(identity: CompletionIdentity, includeUsage: boolean): OracleProtocol<GenerateChunk> {
  let state = initialStreamEncoderState(identity, includeUsage)
  const encodeChunk = createChunkSseEncoder()
  const toSse = (output: StreamEncoderOutput): string => {
    switch (output.type) {
      case "chunk":
        return encodeChunk(output.chunk)
      case "done":
        return SSE_DONE
      case "error":
        return encodeSseData({ error: toOpenAIError(output.error).body.error })
      default: {
        const unreachable: never = output
        return unreachable
      }
    }
  }
  const emit = (event: StreamEncoderEvent): string => {
    const [next, outputs] = encodeStreamEvent(state, event)
    state = next
    return outputs.map(toSse).join("")
  }
  return {
    chunk: (chunk) => emit({ type: "chunk", chunk }),
    end: () => emit({ type: "end" }),
    error: (error) => emit({ type: "error", error: GatewayFailure.reasonOf(error) ?? { _tag: "Internal" } }),
  }
}

/** responses.ts `responsesSseBody`'s protocol, as it was (storing left out: it sends nothing). */
function oracleResponsesProtocol(identity: ResponseIdentity, call: ResponsesCall): OracleProtocol<GenerateChunk> {
  let state = initialResponsesStreamState(identity, call)
  const emit = (event: ResponsesStreamEvent): string => {
    const [next, outputs] = encodeResponsesStreamEvent(state, event)
    state = next
    let text = ""
    for (const output of outputs) if (output.type === "event") text += encodeResponseEventSse(output.event)
    return text
  }
  return {
    head: () => emit({ type: "start" }),
    chunk: (chunk) => emit({ type: "chunk", chunk }),
    end: () => emit({ type: "end", completedAt: Math.floor(Date.now() / 1000) }),
    error: (error) => emit({ type: "error", error: GatewayFailure.reasonOf(error) ?? { _tag: "Internal" } }),
  }
}

/** The oracle's client bytes: the first chunk awaited before the stream is committed, as openChatStream did. */
async function oracle(reads: readonly Uint8Array[], dialect: Dialect, protocolFor: (firstModel: string) => OracleProtocol<GenerateChunk>): Promise<ClientBytes> {
  const chunks = oracleChunks(reads, dialect)
  let first: IteratorResult<GenerateChunk>
  try {
    first = await chunks.next()
  } catch (error) {
    return { refused: GatewayFailure.reasonOf(error)?._tag ?? "not a gateway failure" }
  }
  const model = first.done === true ? MODEL[dialect].upstream : (first.value.model ?? MODEL[dialect].upstream)
  return { sse: await joined(oracleCoalescedSse(first, chunks, protocolFor(model))) }
}

// ---- The property. ----

const scenario = fc.record({
  fixture: fc.constantFrom(...FIXTURES),
  cuts: fc.array(fc.nat({ max: 20_000 }), { maxLength: 24 }),
  // Mostly whole streams; sometimes one cut short at any byte (an in-stream error, or a refusal before the first event).
  keep: fc.option(fc.nat({ max: 20_000 }), { freq: 4 }),
})

describe("a batched stream, against the per-event implementation", () => {
  it("the recorded fixtures are whole streams, and the failing ones end in the protocol's error event (else the property would prove only one path)", async () => {
    for (const fixture of WHOLE) {
      script = [fixture.bytes]
      expect(await gatewayChat(fixture.dialect)).toEqual({ sse: expect.stringMatching(/"finish_reason":"(stop|tool_calls)".*\n\ndata: \[DONE\]\n\n$/s) })
    }
    for (const fixture of FIXTURES.filter((f) => !WHOLE.includes(f))) {
      script = [fixture.bytes]
      expect(await gatewayChat(fixture.dialect)).toEqual({ sse: expect.stringMatching(/"content":"[^"]+".*\n\ndata: \{"error":\{"message":"[^"]+","type":"\w+"[^\n]*\n\n$/s) })
    }
  })

  it("gives a chat client the same bytes for the same upstream bytes, however they are cut into reads", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ fixture, cuts, keep }) => {
        const reads = readsOf(fixture.bytes, cuts, keep === null ? null : keep % (fixture.bytes.length + 1))
        script = reads
        const got = await gatewayChat(fixture.dialect)
        const expected = await oracle(reads, fixture.dialect, (model) => oracleChatProtocol({ ...CHAT_IDENTITY, model }, true))
        expect(got).toEqual(expected)
      }),
      { numRuns: 60 },
    )
  })

  it("gives a Responses client the same bytes for the same upstream bytes, however they are cut into reads", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ fixture, cuts, keep }) => {
        const reads = readsOf(fixture.bytes, cuts, keep === null ? null : keep % (fixture.bytes.length + 1))
        script = reads
        const got = await gatewayResponses(fixture.dialect)
        const decoded = decodeResponsesRequest(responsesBody(fixture.dialect))
        if (!decoded.ok) throw new Error("the request does not decode")
        // The response's id and creation time are the handler's own choice (random, the clock): the oracle takes the same.
        const identity = got.identity
        if (identity === undefined) {
          // Refused before the first event (an ordinary HTTP error): so must the oracle have been.
          expect(await oracle(reads, fixture.dialect, () => oracleChatProtocol({ ...CHAT_IDENTITY, model: "" }, true))).toHaveProperty("refused")
          return
        }
        expect(got.bytes).toEqual(await oracle(reads, fixture.dialect, (model) => oracleResponsesProtocol({ ...identity, model }, decoded.value)))
      }),
      { numRuns: 60 },
    )
  })
})
