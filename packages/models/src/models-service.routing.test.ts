import { GatewayFailure, fromUpstreamError, type ChatCall, type GatewayError, type GenerateChunk, type GenerateResult } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { streamedChunks } from "./call/opened-stream.ts"
import type { ModelCallRecord } from "./accounting/model-call-record.ts"
import type { Admission, Limiter } from "./admission.ts"
import type { EmbeddingBackend, GenerativeBackend } from "./backend.ts"
import { createBackendRegistry, type ModelRoute } from "./backend-registry.ts"
import { createModelsService, type BilledTokens, type CallMeta } from "./models-service.ts"
import type { RoutingConfig } from "./model-config.ts"
import { routingOf } from "./routing/routing-of.ts"

type Step = GatewayError | "ok"
type Backend = GenerativeBackend & EmbeddingBackend

/** A fake upstream: each call takes the next step of its script (the last repeats); streams yield three chunks, `dieAfterFirst` fails after the first. */
function fakeBackend(name: string, script: readonly Step[], options: { readonly dieAfterFirst?: boolean } = {}) {
  const calls: ChatCall[] = []
  let index = 0
  const next = (): Step => script[Math.min(index++, script.length - 1)] ?? "ok"
  const backend: Backend = {
    name: "fake",
    async generate(call) {
      calls.push(call)
      const step = next()
      if (step !== "ok") throw new GatewayFailure(step)
      const result: GenerateResult = { content: `from ${name}`, model: `${name}-upstream-answer`, finishReason: "stop", usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 } }
      return result
    },
    async *generateStream(call) {
      calls.push(call)
      const step = next()
      if (step !== "ok") throw new GatewayFailure(step)
      yield [{ deltaContent: "one", model: `${name}-upstream-answer` }]
      if (options.dieAfterFirst === true) throw new GatewayFailure({ _tag: "UpstreamUnavailable" })
      yield [{ deltaContent: " two" }]
      yield [{ finishReason: "stop", usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12 } }]
    },
    async embed() {
      throw new GatewayFailure({ _tag: "Internal" })
    },
  }
  return { backend, calls }
}

const upstream = (status: number, headers: Record<string, string> = {}): GatewayError => fromUpstreamError({ status, body: "{}", header: (n) => headers[n] }, 0)

interface ModelSpec {
  readonly deployments: readonly { readonly label: string; readonly backend: Backend }[]
  readonly fallback?: readonly string[]
  readonly routing?: RoutingConfig
  readonly extraFields?: readonly string[]
}

function setup(models: Record<string, ModelSpec>, limiter?: Limiter, price: (tokens: BilledTokens) => number = (tokens) => tokens.promptTokens * 0.001 + tokens.completionTokens * 0.002) {
  const rows: ModelCallRecord[] = []
  const journalled: ModelCallRecord[] = []
  const sleeps: number[] = []
  const routes = new Map<string, ModelRoute<Backend>>()
  for (const [name, spec] of Object.entries(models)) {
    const deployments = spec.deployments.map((d) => ({ label: d.label, upstreamModel: `${name}-${d.label}`, backend: d.backend, weight: 1 }))
    const first = deployments[0]!
    routes.set(name, {
      kind: "generative",
      logicalName: name,
      upstreamModel: first.upstreamModel,
      backend: first.backend,
      extraFields: new Set(spec.extraFields ?? []),
      routing: routingOf(deployments, spec.routing, { fallback: spec.fallback ?? [] }),
    })
  }
  const registry = createBackendRegistry(routes, new Map(), { generative: new Map(), embedding: new Map() })
  const service = createModelsService(
    registry,
    { started: (row) => void journalled.push(row), record: (row) => void rows.push(row) },
    {
      routingClock: { now: () => 0, random: () => 0, sleep: async (ms) => void sleeps.push(ms) },
      price: (_logical, _upstream, tokens) => price(tokens),
      ...(limiter === undefined ? {} : { limits: { limiter, estimateChat: () => ({ prompt: 1, completion: 1 }), estimateEmbed: () => 1, estimateCompletion: () => ({ prompt: 1, completion: 1 }) } }),
    },
  )
  return { service, rows, journalled, sleeps }
}
const meta = (): CallMeta => ({ tenant: "t", user: "u", endpoint: "chat.completions", signal: new AbortController().signal })
const chat = (model: string, stream = false, passthrough?: Record<string, unknown>): ChatCall => ({
  input: { messages: [{ role: "user", content: "hi" }] },
  opts: { model, ...(passthrough === undefined ? {} : { passthrough }) },
  stream,
  includeUsage: stream,
})
async function drain(chunks: AsyncIterable<GenerateChunk>): Promise<GenerateChunk[]> {
  const out: GenerateChunk[] = []
  for await (const chunk of chunks) out.push(chunk)
  return out
}

describe("routing through the models service", () => {
  it("writes one row per attempt, all with the call's callId, attempts 1..n, only the last marked last; the answer names the fallback", async () => {
    const primary = fakeBackend("primary", [upstream(500)])
    const backup = fakeBackend("backup", ["ok"])
    const { service, rows, journalled, sleeps } = setup({
      primary: { deployments: [{ label: "0", backend: primary.backend }], fallback: ["backup"], routing: { retries: { max: 1 } } },
      backup: { deployments: [{ label: "eu", backend: backup.backend }] },
    })
    const m = meta()
    const answered = await service.chat(chat("primary"), m)
    expect(answered.route.logicalName).toBe("backup")
    expect(answered.route.upstreamModel).toBe("backup-eu")
    expect(answered.result.model).toBe("backup-upstream-answer")
    expect(backup.calls.map((c) => c.opts.model)).toEqual(["backup-eu"])
    expect(primary.calls.map((c) => c.opts.model)).toEqual(["primary-0", "primary-0"])
    expect(sleeps.length).toBe(1)
    expect(rows.map((r) => [r.attempt, r.lastAttempt, r.logicalModel, r.deployment, r.upstreamModel, r.outcome, r.status, r.model])).toEqual([
      [1, false, "primary", "0", "primary-0", "error", 502, "primary"],
      [2, false, "primary", "0", "primary-0", "error", 502, "primary"],
      [3, true, "backup", "eu", "backup-eu", "success", 200, "primary"],
    ])
    expect(new Set(rows.map((r) => r.callId)).size).toBe(1)
    expect(new Set(rows.map((r) => r.id)).size).toBe(3)
    expect(rows[0]!.callId).not.toBeNull()
    // Each attempt was journalled before its backend ran, under its own id.
    expect(journalled.map((r) => r.id)).toEqual(rows.map((r) => r.id))
    // Only the answering attempt had usage: the tenant pays for it, and nothing for the failures.
    expect(rows.map((r) => r.cost_usd)).toEqual([null, null, 0.02])
    expect(answered.headers["x-gateway-attempts"]).toBe("primary/0=502:upstream_error, primary/0=502:upstream_error, backup/eu=200")
  })

  it("guards against fallback cycles: a → b → a tries each once (no retries here)", async () => {
    const a = fakeBackend("a", [upstream(503)])
    const b = fakeBackend("b", [upstream(503)])
    const noRetry = { retries: { max: 0 } }
    const { service, rows } = setup({
      a: { deployments: [{ label: "0", backend: a.backend }], fallback: ["b", "a"], routing: noRetry },
      b: { deployments: [{ label: "0", backend: b.backend }], fallback: ["a", "b"], routing: noRetry },
    })
    await expect(service.chat(chat("a"), meta())).rejects.toMatchObject({ reason: { _tag: "UpstreamUnavailable" } })
    expect([a.calls.length, b.calls.length]).toEqual([1, 1])
    expect(rows.map((r) => [r.logicalModel, r.attempt, r.lastAttempt])).toEqual([
      ["a", 1, false],
      ["b", 2, true],
    ])
  })

  it("leaves out a fallback whose policy refuses a field of the request", async () => {
    const a = fakeBackend("a", [upstream(500)])
    const strict = fakeBackend("strict", ["ok"])
    const loose = fakeBackend("loose", ["ok"])
    const { service } = setup({
      a: { deployments: [{ label: "0", backend: a.backend }], fallback: ["strict", "loose"], routing: { retries: { max: 0 } }, extraFields: ["top_k"] },
      strict: { deployments: [{ label: "0", backend: strict.backend }] },
      loose: { deployments: [{ label: "0", backend: loose.backend }], extraFields: ["top_k"] },
    })
    const answered = await service.chat(chat("a", false, { top_k: 3 }), meta())
    expect(answered.route.logicalName).toBe("loose")
    expect(strict.calls.length).toBe(0)
    expect(loose.calls.map((c) => c.opts.passthrough)).toEqual([{ top_k: 3 }])
  })

  it("streams: a failure before the first chunk is retried, and the stream's route becomes the deployment that answered", async () => {
    const flaky = fakeBackend("flaky", [upstream(429, { "retry-after-ms": "40" }), "ok"])
    const { service, rows, sleeps } = setup({ m: { deployments: [{ label: "0", backend: flaky.backend }] } })
    const opened = await service.openChatStream(chat("m", true), meta())
    expect(opened.route.upstreamModel).toBe("m-0")
    expect(opened.headers["x-gateway-attempts"]).toBe("m/0=429:rate_limit_exceeded, m/0=200")
    const chunks = await drain(streamedChunks(Promise.resolve(opened)))
    expect(chunks.map((c) => c.deltaContent).join("")).toBe("one two")
    expect(sleeps).toEqual([40])
    expect(rows.map((r) => [r.attempt, r.outcome, r.status, r.lastAttempt, r.completionTokens])).toEqual([
      [1, "error", 429, false, null],
      [2, "success", 200, true, 2],
    ])
    expect(rows[0]!.callId).toBe(rows[1]!.callId)
    expect(rows[0]!.id).not.toBe(rows[1]!.id)
  })

  it("streams: no retry and no fallback after the first chunk; the stream ends with the error and the upstream was asked once", async () => {
    const dying = fakeBackend("dying", ["ok"], { dieAfterFirst: true })
    const backup = fakeBackend("backup", ["ok"])
    const { service, rows } = setup({
      m: { deployments: [{ label: "0", backend: dying.backend }], fallback: ["backup"] },
      backup: { deployments: [{ label: "0", backend: backup.backend }] },
    })
    const seen: GenerateChunk[] = []
    const consume = async () => {
      for await (const chunk of streamedChunks(service.openChatStream(chat("m", true), meta()))) seen.push(chunk)
    }
    await expect(consume()).rejects.toMatchObject({ reason: { _tag: "UpstreamUnavailable" } })
    expect(seen.map((c) => c.deltaContent)).toEqual(["one"])
    expect([dying.calls.length, backup.calls.length]).toEqual([1, 0])
    expect(rows.map((r) => [r.attempt, r.outcome, r.lastAttempt])).toEqual([[1, "error", true]])
  })

  it("spreads over deployments: a failing one cools down and is skipped by later calls (no retry needed)", async () => {
    const bad = fakeBackend("bad", [upstream(500)])
    const good = fakeBackend("good", ["ok"])
    const { service, rows } = setup({
      m: {
        deployments: [
          { label: "bad", backend: bad.backend },
          { label: "good", backend: good.backend },
        ],
        routing: { cooldown: { failures: 2, cooldownMs: 60_000 } },
      },
    })
    // random() = 0 always draws the first candidate: `bad` until it cools (failures of two tenants).
    for (let i = 0; i < 5; i++) await service.chat(chat("m"), { ...meta(), tenant: `t${i}` })
    expect(bad.calls.length).toBe(2)
    expect(good.calls.length).toBe(5)
    expect(rows.filter((r) => r.lastAttempt === true).every((r) => r.deployment === "good" && r.outcome === "success")).toBe(true)
  })

  it("one tenant's own failures cool a deployment for that tenant (a single-tenant install still skips a sick deployment), not for another", async () => {
    const bad = fakeBackend("bad", [upstream(500)])
    const good = fakeBackend("good", ["ok"])
    const { service, rows } = setup({
      m: {
        deployments: [
          { label: "bad", backend: bad.backend },
          { label: "good", backend: good.backend },
        ],
        routing: { cooldown: { failures: 2, cooldownMs: 60_000 } },
      },
    })
    for (let i = 0; i < 5; i++) await service.chat(chat("m"), { ...meta(), tenant: "only" })
    expect(bad.calls.length).toBe(2)
    const before = rows.length
    await service.chat(chat("m"), { ...meta(), tenant: "other" })
    // random() = 0 draws `bad` first: for another tenant it is not cooling.
    expect(rows.slice(before).map((r) => [r.deployment, r.outcome])).toEqual([
      ["bad", "error"],
      ["good", "success"],
    ])
  })

  it("single deployment, 5 upstream 500s (default cooldown): the 6th call still reaches the upstream and succeeds when it recovers", async () => {
    const flaky = fakeBackend("flaky", [upstream(500), upstream(500), upstream(500), upstream(500), upstream(500), "ok"])
    const { service, rows } = setup({ m: { deployments: [{ label: "0", backend: flaky.backend }], routing: { retries: { max: 0 } } } })
    for (let i = 0; i < 5; i++) await expect(service.chat(chat("m"), { ...meta(), tenant: `t${i % 2}` })).rejects.toMatchObject({ reason: { _tag: "UpstreamError" } })
    const sixth = await service.chat(chat("m"), meta())
    expect(sixth.result.content).toBe("from flaky")
    expect(flaky.calls.length).toBe(6)
    expect(rows.map((r) => [r.outcome, r.attempt])).toEqual([...Array.from({ length: 5 }, () => ["error", 1]), ["success", 1]])
  })

  it("one tenant whose requests make the upstream fail does not cool the deployment for the others", async () => {
    const poisoned = (name: string) => fakeBackend(name, [])
    const a = poisoned("a")
    const b = poisoned("b")
    // Each deployment fails the attacker's body, and answers everyone else.
    for (const backend of [a.backend, b.backend]) {
      const generate = backend.generate.bind(backend)
      backend.generate = async (call, opts) => {
        if (call.input.messages.some((m) => m.role === "user" && m.content === "poison")) throw new GatewayFailure(upstream(500))
        return generate(call, opts)
      }
    }
    const { service, rows } = setup({
      m: {
        deployments: [
          { label: "a", backend: a.backend },
          { label: "b", backend: b.backend },
        ],
        routing: { retries: { max: 0 }, cooldown: { failures: 2 } },
      },
    })
    const poison: ChatCall = { ...chat("m"), input: { messages: [{ role: "user", content: "poison" }] } }
    for (let i = 0; i < 10; i++) await service.chat(poison, { ...meta(), tenant: "attacker" }).catch(() => undefined)
    const before = rows.length
    // random() = 0 draws `a` first whenever it is not cooling: the victim's calls still go there.
    for (let i = 0; i < 3; i++) await service.chat(chat("m"), { ...meta(), tenant: "victim" })
    expect(rows.slice(before).map((r) => [r.deployment, r.outcome])).toEqual([
      ["a", "success"],
      ["a", "success"],
      ["a", "success"],
    ])
  })

  it("spends at most routing.maxAttempts upstream attempts per call (default 3), then says x-should-retry: false", async () => {
    const down = [0, 1, 2].map((i) => fakeBackend(`d${i}`, [upstream(503)]))
    const { service } = setup({ m: { deployments: down.map((d, i) => ({ label: String(i), backend: d.backend })), routing: { retries: { max: 10 } } } })
    const failure = await service.chat(chat("m"), meta()).catch((e: GatewayFailure) => e)
    expect(down.reduce((n, d) => n + d.calls.length, 0)).toBe(3)
    expect(failure).toMatchObject({ reason: { _tag: "UpstreamUnavailable", shouldRetry: false } })
  })

  it("a client's own retry (x-stainless-retry-count) gets one attempt: the gateway does not retry behind an SDK that does, nor stop the SDK's own retries", async () => {
    const down = [0, 1].map((i) => fakeBackend(`d${i}`, [upstream(503)]))
    const { service } = setup({ m: { deployments: down.map((d, i) => ({ label: String(i), backend: d.backend })), routing: { maxAttempts: 5 } } })
    const failure = await service.chat(chat("m"), { ...meta(), clientRetries: 1 }).catch((e: GatewayFailure) => e)
    expect(down.reduce((n, d) => n + d.calls.length, 0)).toBe(1)
    expect(failure).toMatchObject({ reason: { _tag: "UpstreamUnavailable" } })
    expect(failure instanceof GatewayFailure && "shouldRetry" in failure.reason ? failure.reason.shouldRetry : undefined).toBeUndefined()
  })

  it("admits a call once and settles it once, with every attempt's tokens and cost added up", async () => {
    const admits: string[] = []
    const settled: [number | undefined, number | null][] = []
    const limiter: Limiter = {
      async admit(_caller, model): Promise<Admission> {
        admits.push(model)
        return { headers: { "x-ratelimit-remaining-requests": "9" }, settle: (tokens, cost) => void settled.push([tokens, cost]) }
      },
      peekHeaders: async () => ({}),
    }
    const flaky = fakeBackend("flaky", [upstream(503), "ok"])
    const { service } = setup({ m: { deployments: [{ label: "0", backend: flaky.backend }] } }, limiter)
    const answered = await service.chat(chat("m"), meta())
    expect(admits).toEqual(["m"])
    expect(settled).toEqual([[15, 0.02]])
    expect(answered.headers).toMatchObject({ "x-ratelimit-remaining-requests": "9", "x-gateway-attempts": "m/0=503:upstream_unavailable, m/0=200" })
  })

  it("prices a call with its cache reads and cache writes (Anthropic's prompt caching), as the backend reported them", async () => {
    const priced: BilledTokens[] = []
    const cachedBackend: Backend = {
      ...fakeBackend("cached", ["ok"]).backend,
      async generate() {
        return { content: "ok", model: "m", finishReason: "stop", usage: { promptTokens: 100, completionTokens: 5, totalTokens: 105, cachedTokens: 20, cacheWriteTokens: 60, cacheWrite1hTokens: 40 } }
      },
    }
    const { service } = setup({ cached: { deployments: [{ label: "0", backend: cachedBackend }] } }, undefined, (tokens) => {
      priced.push(tokens)
      return 0
    })
    await service.chat(chat("cached"), meta())
    expect(priced).toEqual([{ promptTokens: 100, completionTokens: 5, cachedTokens: 20, cacheWriteTokens: 60, cacheWrite1hTokens: 40, reasoningTokens: 0 }])
  })
})
