import type { ChatCall, GenerateChunk, GenerateResult, TokenUsage } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { streamedChunks } from "./call/opened-stream.ts"
import type { ModelCallRecord } from "./accounting/model-call-record.ts"
import type { Limiter } from "./admission.ts"
import { createEchoBackend } from "./backends/echo-backend.ts"
import type { ChunkBatch, GenerativeBackend } from "./backend.ts"
import { createBackendRegistry, type ModelRoute } from "./backend-registry.ts"
import { createModelsService, type BilledTokens, type CallSink } from "./models-service.ts"

/** Retries wait on this clock: no real time passes. */
const instantClock = { now: () => 0, random: () => 0, sleep: async () => undefined }
/** $1 a token, prompt or completion: a row's cost says which tokens it was billed for. */
const price = (_model: string | null, _upstream: string, tokens: BilledTokens) => tokens.promptTokens + tokens.completionTokens

/** A backend that streams `pieces` then finishes, with `usage` on the last chunk when given. */
function scripted(pieces: readonly string[], usage?: TokenUsage, answerUsage?: TokenUsage): GenerativeBackend {
  return {
    ...createEchoBackend(),
    async generate(): Promise<GenerateResult> {
      return { content: pieces.join(""), finishReason: "stop", ...(answerUsage === undefined ? {} : { usage: answerUsage }) }
    },
    async *generateStream(): AsyncIterable<ChunkBatch> {
      for (const piece of pieces) yield [{ deltaContent: piece }]
      yield [usage === undefined ? { finishReason: "stop" } : { finishReason: "stop", usage }]
    },
  }
}

function setup(backend: GenerativeBackend, chatEstimate: { prompt: number; completion: number; interruptedCompletion?: number } = { prompt: 7, completion: 100 }) {
  const rows: ModelCallRecord[] = []
  const started: ModelCallRecord[] = []
  const settled: { tokens: number | undefined; cost: number | null }[] = []
  const recorder: CallSink = { started: (row) => void started.push(row), record: (row) => void rows.push(row) }
  const limiter: Limiter = {
    admit: async (_caller, _model, estimate) => {
      estimate()
      return { headers: {}, settle: (tokens, cost) => void settled.push({ tokens, cost }) }
    },
    peekHeaders: async () => ({}),
  }
  const route: ModelRoute<GenerativeBackend> = { kind: "generative", logicalName: "chat", upstreamModel: "up-1", backend, extraFields: new Set() }
  const registry = createBackendRegistry(new Map([["chat", route]]), new Map(), { generative: new Map(), embedding: new Map() })
  const service = createModelsService(registry, recorder, {
    routingClock: instantClock,
    price,
    limits: {
      limiter,
      estimateChat: () => chatEstimate,
      estimateEmbed: () => 3,
      estimateCompletion: () => chatEstimate,
      // One token per character: what was streamed is visible in the counts.
      countOutput: () => {
        let chars = 0
        return { add: (text) => void (chars += text.length), tokens: () => chars }
      },
    },
  })
  return { rows, started, settled, service }
}
const meta = () => ({ tenant: "t", user: "u", endpoint: "chat.completions", signal: new AbortController().signal })
const call = (stream: boolean): ChatCall => ({ input: { messages: [{ role: "user", content: "hi" }] }, opts: { model: "chat" }, stream, includeUsage: stream })
const drain = async (chunks: AsyncIterable<GenerateChunk>) => {
  for await (const _ of chunks) void _
}
const billed = (row: ModelCallRecord | undefined) => [row?.outcome, row?.promptTokens, row?.completionTokens, row?.totalTokens, row?.tokensEstimated, row?.cost_usd, row?.costEstimated]

describe("a call without trusted usage is estimated, priced and settled", () => {
  it("a stream that finishes without a usage chunk: prompt estimated, completion counted from what was streamed", async () => {
    const { rows, settled, service } = setup(scripted(["abc", "de", "f"]))
    await drain(streamedChunks(service.openChatStream(call(true), meta())))
    expect(billed(rows[0])).toEqual(["success", 7, 6, 13, true, 13, true])
    expect(settled).toEqual([{ tokens: 13, cost: 13 }])
  })

  it("usage without a completion count (an untrusted figure left out) estimates only the completion", async () => {
    const { rows, settled, service } = setup(scripted(["abcd"], { promptTokens: 50, totalTokens: 51 }))
    await drain(streamedChunks(service.openChatStream(call(true), meta())))
    expect(billed(rows[0])).toEqual(["success", 50, 4, 54, true, 54, true])
    expect(settled).toEqual([{ tokens: 54, cost: 54 }])
  })

  it("a stream with full usage is billed as reported, not estimated", async () => {
    const { rows, settled, service } = setup(scripted(["abcd"], { promptTokens: 50, completionTokens: 2, totalTokens: 52 }))
    await drain(streamedChunks(service.openChatStream(call(true), meta())))
    expect(billed(rows[0])).toEqual(["success", 50, 2, 52, false, 52, false])
    expect(settled).toEqual([{ tokens: 52, cost: 52 }])
  })

  it("a stream the client left counts the characters it was sent (not one token a delta), and settles with that", async () => {
    const { rows, settled, service } = setup(scripted(["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"]))
    const iterator = streamedChunks(service.openChatStream(call(true), meta()))[Symbol.asyncIterator]()
    await iterator.next()
    await iterator.next()
    await iterator.return(undefined)
    expect(billed(rows[0])).toEqual(["aborted", 7, 20, 27, true, 27, true])
    expect(settled).toEqual([{ tokens: 27, cost: 27 }])
  })

  it("a start-of-stream completion count is a floor: a stream left before the final usage is estimated from what was streamed", async () => {
    const floor: GenerativeBackend = {
      ...createEchoBackend(),
      async *generateStream(): AsyncIterable<ChunkBatch> {
        yield [{ usage: { promptTokens: 40 } }]
        for (let i = 0; i < 5; i++) yield [{ deltaContent: "xxxxxxxxxx" }]
        yield [{ finishReason: "stop" }]
      },
    }
    const { rows, service } = setup(floor)
    const iterator = streamedChunks(service.openChatStream(call(true), meta()))[Symbol.asyncIterator]()
    for (let i = 0; i < 4; i++) await iterator.next()
    await iterator.return(undefined)
    expect(billed(rows[0])).toEqual(["aborted", 40, 30, 70, true, 70, true])
  })

  it("a non-streamed answer without usage is estimated from its text", async () => {
    const { rows, settled, service } = setup(scripted(["hello", " world"]))
    await service.chat(call(false), meta())
    expect(billed(rows[0])).toEqual(["success", 7, 11, 18, true, 18, true])
    expect(settled).toEqual([{ tokens: 18, cost: 18 }])
  })

  it("the started line carries the call's estimate and its price, so a crash bills at least that", async () => {
    const { started, service } = setup(scripted(["x"]))
    await drain(streamedChunks(service.openChatStream(call(true), meta())))
    await service.chat(call(false), meta())
    expect(started.map(billed)).toEqual([
      ["interrupted", 7, 100, 107, true, 107, true],
      ["interrupted", 7, 100, 107, true, 107, true],
    ])
  })

  it("the started line bills the estimator's interrupted completion when it gives one (bounded, unlike the client's max_tokens)", async () => {
    const { started, service } = setup(scripted(["x"]), { prompt: 7, completion: 2_000_000_000, interruptedCompletion: 30 })
    await service.chat(call(false), meta())
    expect(started.map(billed)).toEqual([["interrupted", 7, 30, 37, true, 37, true]])
  })
})

describe("a call the client left before any answer", () => {
  /** A backend whose answer never comes: it waits for the call's signal, then fails as cancelled. */
  const hanging: GenerativeBackend = {
    ...createEchoBackend(),
    generate: (_call, context) => new Promise((_resolve, reject) => context.signal.addEventListener("abort", () => reject(new Error("aborted")))),
    async *generateStream(_call, context) {
      await new Promise((_resolve, reject) => context.signal.addEventListener("abort", () => reject(new Error("aborted"))))
      yield [{ deltaContent: "never" }]
    },
  }

  for (const stream of [false, true]) {
    it(`is billed at least its prompt's estimate, flagged (${stream ? "stream" : "non-stream"}): the upstream had the prompt`, async () => {
      const { rows, settled, service } = setup(hanging)
      const client = new AbortController()
      const done = stream ? drain(streamedChunks(service.openChatStream(call(true), { ...meta(), signal: client.signal }))) : service.chat(call(false), { ...meta(), signal: client.signal })
      setTimeout(() => client.abort(), 20)
      await expect(done).rejects.toBeDefined()
      expect(billed(rows.at(-1))).toEqual(["aborted", 7, 0, 7, true, 7, true])
      expect(settled).toEqual([{ tokens: 7, cost: 7 }])
    })
  }
})
