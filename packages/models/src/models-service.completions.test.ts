import { GatewayFailure, type CompletionCall, type GatewayError, type GenerateChunk } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import type { ModelCallRecord } from "./accounting/model-call-record.ts"
import type { CompletionBackend, GenerativeBackend } from "./backend.ts"
import { createBackendRegistry, type ModelRoute } from "./backend-registry.ts"
import { createEchoBackend } from "./backends/echo-backend.ts"
import { streamedChunks } from "./call/opened-stream.ts"
import { createModelsService, type CallMeta } from "./models-service.ts"
import { routingOf } from "./routing/routing-of.ts"

type Step = GatewayError | "ok"

/** A fake OpenAI-compatible upstream with text completions: each call takes the next step of its script (the last repeats). */
function completionBackend(script: readonly Step[]) {
  const calls: CompletionCall[] = []
  let index = 0
  const next = (call: CompletionCall) => {
    calls.push(call)
    const step = script[Math.min(index++, script.length - 1)] ?? "ok"
    if (step !== "ok") throw new GatewayFailure(step)
  }
  const completions: CompletionBackend = {
    async complete(call) {
      next(call)
      return { content: "This is indeed a test", finishReason: "length", model: "answered-by", usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 } }
    },
    async *completeStream(call) {
      next(call)
      yield [{ deltaContent: "This", model: "answered-by" }]
      yield [{ deltaContent: " is", finishReason: "length" }]
      yield [{ usage: { promptTokens: 5, completionTokens: 2, totalTokens: 7 } }]
    },
  }
  const echo = createEchoBackend()
  const backend: GenerativeBackend = { name: "openai", generate: echo.generate, generateStream: echo.generateStream, completions }
  return { backend, calls }
}

function setup(models: Record<string, { readonly backend: GenerativeBackend; readonly fallback?: readonly string[]; readonly extraFields?: readonly string[] }>) {
  const rows: ModelCallRecord[] = []
  const routes = new Map<string, ModelRoute<GenerativeBackend>>()
  for (const [name, spec] of Object.entries(models)) {
    const deployment = { label: "0", upstreamModel: `${name}-upstream`, backend: spec.backend, weight: 1 }
    routes.set(name, {
      kind: "generative",
      logicalName: name,
      upstreamModel: deployment.upstreamModel,
      backend: spec.backend,
      extraFields: new Set(spec.extraFields ?? []),
      routing: routingOf([deployment], undefined, { fallback: spec.fallback ?? [] }),
    })
  }
  const registry = createBackendRegistry(routes, new Map(), { generative: new Map(), embedding: new Map() })
  const service = createModelsService(registry, { started: () => undefined, record: (row) => void rows.push(row) }, { routingClock: { now: () => 0, random: () => 0, sleep: async () => undefined } })
  return { service, rows }
}

const meta = (): CallMeta => ({ tenant: "t", user: "u", endpoint: "completions", signal: new AbortController().signal })
const completion = (model: string, stream = false, passthrough?: Record<string, unknown>): CompletionCall => ({
  model,
  fields: { prompt: "Say this is a test", suffix: "!", echo: true, logprobs: 2 },
  stream,
  includeUsage: false,
  ...(passthrough === undefined ? {} : { passthrough }),
})

describe("text completions through the models service", () => {
  it("sends the call to the deployment's upstream id with its fields as they came, and records its row", async () => {
    const openai = completionBackend(["ok"])
    const { service, rows } = setup({ m: { backend: openai.backend } })
    const answered = await service.completion(completion("m"), meta())
    expect(answered.result.content).toBe("This is indeed a test")
    expect(openai.calls).toEqual([{ ...completion("m"), model: "m-upstream" }])
    expect(rows.map((r) => [r.endpoint, r.logicalModel, r.upstreamModel, r.backend, r.outcome, r.promptTokens, r.completionTokens, r.tokensEstimated, r.stream])).toEqual([
      ["completions", "m", "m-upstream", "openai", "success", 5, 7, false, false],
    ])
  })

  it("refuses a model whose backend has no text completions with a 400 naming the endpoint and the model: one rejected row, no attempt", async () => {
    const { service, rows } = setup({ claude: { backend: createEchoBackend() } })
    await expect(service.completion(completion("claude"), meta())).rejects.toMatchObject({ reason: { _tag: "UnsupportedEndpoint", endpoint: "/v1/completions", model: "claude" } })
    await expect(service.openCompletionStream(completion("claude", true), meta())).rejects.toMatchObject({ reason: { _tag: "UnsupportedEndpoint" } })
    expect(rows.map((r) => [r.outcome, r.status, r.errorCode, r.attempt, r.stream])).toEqual([
      ["rejected", 400, "unsupported_endpoint", null, false],
      ["rejected", 400, "unsupported_endpoint", null, true],
    ])
  })

  it("retries and falls back as chat does, leaving out a fallback that has no text completions", async () => {
    const down = completionBackend([{ _tag: "UpstreamUnavailable" }])
    const backup = completionBackend(["ok"])
    const { service, rows } = setup({ m: { backend: down.backend, fallback: ["echo", "backup"] }, echo: { backend: createEchoBackend() }, backup: { backend: backup.backend } })
    const answered = await service.completion(completion("m"), meta())
    expect(answered.route.logicalName).toBe("backup")
    expect(rows.map((r) => [r.logicalModel, r.outcome, r.attempt, r.lastAttempt])).toEqual([
      ["m", "error", 1, false],
      ["m", "error", 2, false],
      ["backup", "success", 3, true],
    ])
    expect(new Set(rows.map((r) => r.callId)).size).toBe(1)
  })

  it("forwards a provider extension only to a model whose extraFields lists it", async () => {
    const openai = completionBackend(["ok"])
    const { service, rows } = setup({ strict: { backend: openai.backend }, loose: { backend: openai.backend, extraFields: ["top_k"] } })
    await expect(service.completion(completion("strict", false, { top_k: 40 }), meta())).rejects.toMatchObject({ reason: { _tag: "InvalidRequest", param: "top_k" } })
    await service.completion(completion("loose", false, { top_k: 40 }), meta())
    expect(openai.calls.map((c) => c.passthrough)).toEqual([{ top_k: 40 }])
    expect(rows.map((r) => [r.logicalModel, r.outcome, r.status])).toEqual([
      ["strict", "rejected", 400],
      ["loose", "success", 200],
    ])
  })

  it("streams, and writes the stream's row from its usage when it ends", async () => {
    const openai = completionBackend(["ok"])
    const { service, rows } = setup({ m: { backend: openai.backend } })
    const chunks: GenerateChunk[] = []
    for await (const chunk of streamedChunks(service.openCompletionStream(completion("m", true), meta()))) chunks.push(chunk)
    expect(chunks.map((c) => c.deltaContent ?? null)).toEqual(["This", " is", null])
    expect(rows.map((r) => [r.endpoint, r.outcome, r.promptTokens, r.completionTokens, r.tokensEstimated, r.stream, r.finishReason])).toEqual([["completions", "success", 5, 2, false, true, "length"]])
  })
})
