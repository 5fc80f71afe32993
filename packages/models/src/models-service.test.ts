import { GatewayFailure, type ChatCall, type GenerateChunk } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { streamedChunks } from "./call/opened-stream.ts"
import type { ModelCallRecord } from "./accounting/model-call-record.ts"
import { createEchoBackend } from "./backends/echo-backend.ts"
import type { GenerativeBackend } from "./backend.ts"
import { createBackendRegistry, type ModelRoute } from "./backend-registry.ts"
import { createModelsService, type CallSink } from "./models-service.ts"

/** Retries wait on this clock: no real time passes. */
const instantClock = { now: () => 0, random: () => 0, sleep: async () => undefined }

function setup(backend: GenerativeBackend & ReturnType<typeof createEchoBackend>, extraFields: ReadonlySet<string> = new Set(["top_k"])) {
  const rows: ModelCallRecord[] = []
  const started: ModelCallRecord[] = []
  const recorder: CallSink = {
    started: (row) => void started.push(row),
    record: (row) => void rows.push(row),
  }
  const route: ModelRoute<typeof backend> = { kind: "generative", logicalName: "chat", upstreamModel: "up-1", backend, extraFields }
  const registry = createBackendRegistry(new Map([["chat", route]]), new Map([["chat", { ...route, kind: "embedding" as const }]]), {
    generative: new Map([["up-1", "chat"]]),
    embedding: new Map(),
  })
  return { rows, started, service: createModelsService(registry, recorder, { routingClock: instantClock }) }
}
const meta = () => ({ tenant: "t", user: "u", endpoint: "chat.completions", signal: new AbortController().signal })
const call = (model: string, stream = false): ChatCall => ({ input: { messages: [{ role: "user", content: "one two" }] }, opts: { model }, stream, includeUsage: stream })

describe("the models service", () => {
  it("routes by logical name or advertised id, sends the upstream id, and records one row per call", async () => {
    const { rows, service } = setup(createEchoBackend())
    const byName = await service.chat(call("chat"), meta())
    expect(byName.result.model).toBe("up-1")
    await service.chat(call("up-1"), meta())
    expect(rows.map((r) => [r.logicalModel, r.upstreamModel, r.outcome, r.promptTokens, r.tenant])).toEqual([
      ["chat", "up-1", "success", 2, "t"],
      ["chat", "up-1", "success", 2, "t"],
    ])
  })

  it("records an unknown model as rejected, a backend failure as error (each attempt: the first and two retries), with the client-facing code", async () => {
    const failing = { ...createEchoBackend(), generate: async () => Promise.reject(new GatewayFailure({ _tag: "RateLimited", retryAfterMs: 1000 })) }
    const { rows, service } = setup(failing)
    await expect(service.chat(call("nope"), meta())).rejects.toMatchObject({ reason: { _tag: "ModelNotFound" } })
    await expect(service.chat(call("chat"), meta())).rejects.toMatchObject({ reason: { _tag: "RateLimited" } })
    expect(rows.map((r) => [r.outcome, r.status, r.errorCode, r.attempt, r.lastAttempt])).toEqual([
      ["rejected", 404, "model_not_found", null, true],
      ["error", 429, "rate_limit_exceeded", 1, false],
      ["error", 429, "rate_limit_exceeded", 2, false],
      ["error", 429, "rate_limit_exceeded", 3, true],
    ])
  })

  it("accounts a stream when it ends: tokens from the backend's usage, or an estimate when the consumer left early", async () => {
    const { rows, service } = setup(createEchoBackend())
    for await (const _ of streamedChunks(service.openChatStream(call("chat", true), meta()))) void _
    const early = streamedChunks(service.openChatStream(call("chat", true), meta()))[Symbol.asyncIterator]()
    let seen: IteratorResult<GenerateChunk> = await early.next()
    while (seen.done !== true && seen.value.deltaContent === undefined) seen = await early.next()
    await early.return(undefined)
    expect(rows.map((r) => [r.outcome, r.completionTokens, r.tokensEstimated, r.stream])).toEqual([
      ["success", 2, false, true],
      ["aborted", 1, true, true],
    ])
  })

  it("offers Harper 5's generate and embed", async () => {
    const { service } = setup(createEchoBackend())
    expect((await service.generate("hi there", { model: "chat" })).content).toBe("hi there")
    expect((await service.embed(["a", "b"], { model: "chat", dimensions: 8 })).map((v) => v.length)).toEqual([8, 8])
  })

  it("journals a started call before the backend is called, and ends it with a final row under the same id", async () => {
    const seenAtCall: number[] = []
    const echo = createEchoBackend()
    const { rows, started, service } = setup({
      ...echo,
      generate: async (c, o) => {
        seenAtCall.push(started.length)
        return echo.generate(c, o)
      },
      async *generateStream(c, o) {
        seenAtCall.push(started.length)
        yield* echo.generateStream(c, o)
      },
    })
    await service.chat(call("chat"), meta())
    for await (const _ of streamedChunks(service.openChatStream(call("up-1", true), meta()))) void _
    await service.embedCall({ input: ["a"], opts: { model: "chat" }, encodingFormat: "float" }, { ...meta(), endpoint: "embeddings" })
    await expect(service.chat(call("nope"), meta())).rejects.toThrow()
    expect(seenAtCall).toEqual([1, 2])
    expect(started.map((r) => [r.outcome, r.status, r.latencyMs, r.success, r.error_code, r.method])).toEqual([
      ["interrupted", null, null, false, "interrupted", "generate"],
      ["interrupted", null, null, false, "interrupted", "generateStream"],
      ["interrupted", null, null, false, "interrupted", "embed"],
    ])
    expect(rows.slice(0, 3).map((r) => r.id)).toEqual(started.map((r) => r.id))
    expect(new Set(rows.map((r) => r.id)).size).toBe(4)
  })

  it("calls the backend only once the started line's write (a promise) resolved, and never when it rejected", async () => {
    const echo = createEchoBackend()
    const events: string[] = []
    let failWrite = false
    const recorder: CallSink = {
      started: async (row) => {
        events.push(`write ${row.method}`)
        await new Promise((resolve) => setImmediate(resolve))
        if (failWrite) throw new Error("ENOSPC: no space left on device, write '/var/harper/gateway-accounting/x.jsonl'")
        events.push(`written ${row.method}`)
      },
      record: (row) => void events.push(`row ${row.outcome}`),
    }
    const backend: GenerativeBackend = {
      ...echo,
      generate: async (c, o) => {
        events.push("backend generate")
        return echo.generate(c, o)
      },
      async *generateStream(c, o) {
        events.push("backend generateStream")
        yield* echo.generateStream(c, o)
      },
    }
    const route: ModelRoute<GenerativeBackend> = { kind: "generative", logicalName: "chat", upstreamModel: "up-1", backend, extraFields: new Set() }
    const registry = createBackendRegistry(new Map([["chat", route]]), new Map(), { generative: new Map(), embedding: new Map() })
    const service = createModelsService(registry, recorder, { routingClock: instantClock })
    await service.chat(call("chat"), meta())
    for await (const _ of streamedChunks(service.openChatStream(call("chat", true), meta()))) void _
    expect(events).toEqual(["write generate", "written generate", "backend generate", "row success", "write generateStream", "written generateStream", "backend generateStream", "row success"])
    events.length = 0
    failWrite = true
    await expect(service.chat(call("chat"), meta())).rejects.toThrow()
    await expect(
      (async () => {
        for await (const _ of streamedChunks(service.openChatStream(call("chat", true), meta()))) void _
      })(),
    ).rejects.toThrow()
    expect(events.filter((event) => event.startsWith("backend"))).toEqual([])
  })

  it("fills Harper 5's columns: the requested name, the method, reported tokens, success and Harper 5's error codes", async () => {
    const { rows, service } = setup(createEchoBackend())
    await service.chat(call("up-1"), meta())
    for await (const _ of streamedChunks(service.openChatStream(call("chat", true), meta()))) void _
    await service.embedCall({ input: ["one two three"], opts: { model: "chat" }, encodingFormat: "float" }, { ...meta(), endpoint: "embeddings" })
    await expect(service.chat(call("nope"), meta())).rejects.toThrow()
    expect(rows.map((r) => [r.model, r.logicalModel, r.backend, r.method, r.prompt_tokens, r.completion_tokens, r.embedding_tokens, r.success, r.error_code, r.app])).toEqual([
      ["up-1", "chat", "echo", "generate", 2, 2, null, true, null, null],
      ["chat", "chat", "echo", "generateStream", 2, 2, null, true, null, null],
      ["chat", "chat", "echo", "embed", null, null, 3, true, null, null],
      ["nope", "nope", null, "generate", null, null, null, false, "backend_not_found", null],
    ])
    expect(rows.every((r) => r.latency_ms === r.latencyMs)).toBe(true)
  })

  it("forwards only the fields the model's policy allows, and records a refused field as a rejection without calling the backend", async () => {
    const sent: ChatCall[] = []
    const echo = createEchoBackend()
    const { rows, service } = setup({ ...echo, generate: async (call, context) => (sent.push(call), echo.generate(call, context)) })
    const withFields = (passthrough: Record<string, unknown>): ChatCall => ({ ...call("chat"), opts: { model: "chat", passthrough } })
    await service.chat(withFields({ top_k: 3, logit_bias: { "5": 1 }, store: false }), meta())
    expect(sent.map((c) => c.opts.passthrough)).toEqual([{ top_k: 3, logit_bias: { "5": 1 } }])
    await expect(service.chat(withFields({ provider: { order: ["x"] } }), meta())).rejects.toMatchObject({ reason: { _tag: "InvalidRequest", param: "provider" } })
    await expect(service.openChatStream({ ...withFields({ service_tier: "priority" }), stream: true }, meta())).rejects.toMatchObject({ reason: { _tag: "InvalidRequest", param: "service_tier" } })
    expect(sent.length).toBe(1)
    expect(rows.map((r) => [r.outcome, r.status, r.stream])).toEqual([
      ["success", 200, false],
      ["rejected", 400, false],
      ["rejected", 400, true],
    ])
  })

  it("lets a backend send parts' cache_control only for a model whose extraFields lists it, whatever the call says", async () => {
    const cached = { messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "long", cacheControl: { type: "ephemeral" as const } }] }] }
    for (const [extraFields, expected] of [
      [new Set(["cache_control"]), true],
      [new Set<string>(), undefined],
    ] as const) {
      const sent: ChatCall[] = []
      const echo = createEchoBackend()
      const { service } = setup({ ...echo, generate: async (c, context) => (sent.push(c), echo.generate(c, context)) }, extraFields)
      // A call claiming the switch itself does not get it from a model that does not allow it.
      await service.chat({ ...call("chat"), input: cached, forwardCacheControl: true }, meta())
      await service.chat({ ...call("chat"), input: cached, opts: { model: "chat", passthrough: { logit_bias: {} } } }, meta())
      expect(sent.map((c) => c.forwardCacheControl)).toEqual([expected, expected])
    }
  })
})
