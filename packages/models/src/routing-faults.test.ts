import { GatewayFailure, fromUpstreamError, type ChatCall, type GatewayError, type GenerateChunk, type GenerateResult } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import type { ModelCallRecord } from "./accounting/model-call-record.ts"
import type { Admission, Limiter } from "./admission.ts"
import type { EmbeddingBackend, GenerativeBackend } from "./backend.ts"
import { createBackendRegistry, type ModelRoute } from "./backend-registry.ts"
import { createModelsService, type CallMeta, type CallSink } from "./models-service.ts"
import type { RoutingConfig } from "./model-config.ts"
import { routingOf } from "./routing/routing-of.ts"

type Backend = GenerativeBackend & EmbeddingBackend
const upstream = (status: number): GatewayError => fromUpstreamError({ status, body: "{}", header: () => undefined }, 0)

/** answer(call) decides each call: "ok", an error, or a promise to wait on first. */
function fakeBackend(name: string, answer: (call: ChatCall) => GatewayError | "ok" | Promise<"ok">) {
  const calls: ChatCall[] = []
  const backend: Backend = {
    name: "fake",
    async generate(call) {
      calls.push(call)
      const step = await answer(call)
      if (step !== "ok") throw new GatewayFailure(step)
      const result: GenerateResult = { content: `from ${name}`, model: name, finishReason: "stop", usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 } }
      return result
    },
    async *generateStream(call) {
      calls.push(call)
      const step = await answer(call)
      if (step !== "ok") throw new GatewayFailure(step)
      yield [{ deltaContent: "x" } satisfies GenerateChunk]
    },
    async embed() {
      throw new GatewayFailure({ _tag: "Internal" })
    },
  }
  return { backend, calls }
}

interface ModelSpec {
  readonly deployments: readonly { readonly label: string; readonly backend: Backend }[]
  readonly fallback?: readonly string[]
  readonly routing?: RoutingConfig
}

function setup(models: Record<string, ModelSpec>, opts: { limiter?: Limiter; sink?: CallSink; clock?: { t: number } } = {}) {
  const rows: ModelCallRecord[] = []
  const routes = new Map<string, ModelRoute<Backend>>()
  for (const [name, spec] of Object.entries(models)) {
    const deployments = spec.deployments.map((d) => ({ label: d.label, upstreamModel: `${name}-${d.label}`, backend: d.backend, weight: 1 }))
    const first = deployments[0]!
    routes.set(name, { kind: "generative", logicalName: name, upstreamModel: first.upstreamModel, backend: first.backend, extraFields: new Set(), routing: routingOf(deployments, spec.routing, { fallback: spec.fallback ?? [] }) })
  }
  const registry = createBackendRegistry(routes, new Map(), { generative: new Map(), embedding: new Map() })
  const clock = opts.clock ?? { t: 0 }
  const service = createModelsService(registry, opts.sink ?? { started: () => undefined, record: (row) => void rows.push(row) }, {
    routingClock: { now: () => clock.t, random: () => 0, sleep: async () => undefined },
    price: (_l, _u, tokens) => tokens.promptTokens * 0.001 + tokens.completionTokens * 0.002,
    ...(opts.limiter === undefined ? {} : { limits: { limiter: opts.limiter, estimateChat: () => ({ prompt: 1, completion: 1 }), estimateEmbed: () => 1, estimateCompletion: () => ({ prompt: 1, completion: 1 }) } }),
  })
  return { service, rows }
}
const meta = (tenant = "t"): CallMeta => ({ tenant, user: "u", endpoint: "chat.completions", signal: new AbortController().signal })
const chat = (model: string, content = "hi"): ChatCall => ({ input: { messages: [{ role: "user", content }] }, opts: { model }, stream: false, includeUsage: false })

/** A model `cheap` that always fails retryably, with `expensive` (which answers) as its fallback, under `admit`. */
function cheapWithFallback(admit: Limiter["admit"]) {
  const cheap = fakeBackend("cheap", () => upstream(503))
  const expensive = fakeBackend("expensive", () => "ok")
  const limiter: Limiter = { admit, peekHeaders: async () => ({}) }
  const { service, rows } = setup(
    { cheap: { deployments: [{ label: "0", backend: cheap.backend }], fallback: ["expensive"], routing: { retries: { max: 0 } } }, expensive: { deployments: [{ label: "0", backend: expensive.backend }] } },
    { limiter },
  )
  return { service, rows, expensive }
}

describe("routing under faults a reviewer found", () => {
  it("F1 a fallback's own (model-scoped) limits and budget are admitted before it is tried", async () => {
    const admits: string[] = []
    const { service, rows } = cheapWithFallback(async (_caller, model): Promise<Admission> => {
      admits.push(model)
      return { headers: {}, settle: () => undefined }
    })
    const answered = await service.chat(chat("cheap"), meta())
    expect(answered.route.logicalName).toBe("expensive")
    expect(rows.at(-1)!.logicalModel).toBe("expensive")
    // The rules written for "expensive" are consulted before the call it answered and was billed for.
    expect(admits).toContain("expensive")
  })

  it("F1c what a fallback spends counts toward its own model's rules and the call's model-independent ones, not the requested model's own rules", async () => {
    const settled: Record<string, unknown[]> = {}
    const { service } = cheapWithFallback(
      async (_caller, model, _estimate, modelRulesOnly): Promise<Admission> => ({
        headers: {},
        settle: (...args) => void (settled[`${model}${modelRulesOnly === true ? " (own rules)" : ""}`] = args),
      }),
    )
    await service.chat(chat("cheap"), meta())
    // `expensive` answered (15 tokens, $0.02); `cheap` failed with nothing used.
    expect(settled).toEqual({
      // `cheap` used 0 tokens, not "unknown" (which would leave the whole estimate on its token limits).
      cheap: [15, 0.02, { tokens: 0, costUsd: null }],
      "expensive (own rules)": [15, 0.02],
    })
  })

  it("F1b a fallback whose own limit refuses is not called: the call ends with that 429, and the refusal has its row", async () => {
    const { service, rows, expensive } = cheapWithFallback(async (_caller, model, _estimate, modelRulesOnly): Promise<Admission> => {
      if (model === "expensive" && modelRulesOnly === true) throw new GatewayFailure({ _tag: "RateLimited", retryAfterMs: 5_000, message: "over the limit for expensive" })
      return { headers: {}, settle: () => undefined }
    })
    const outcome = await service.chat(chat("cheap"), meta()).then(
      () => "answered",
      (e: GatewayFailure) => e.reason._tag,
    )
    expect(outcome).toBe("RateLimited")
    expect(expensive.calls.length).toBe(0)
    expect(rows.map((r) => [r.logicalModel, r.outcome, r.attempt])).toEqual([
      ["cheap", "error", 1],
      ["expensive", "rejected", 2],
    ])
  })

  it("F2 a deployment whose key is revoked (upstream 401) is routed around: the other deployment answers every call", async () => {
    const revoked = fakeBackend("revoked", () => upstream(401))
    const good = fakeBackend("good", () => "ok")
    const { service } = setup({
      m: {
        deployments: [
          { label: "revoked", backend: revoked.backend },
          { label: "good", backend: good.backend },
        ],
        routing: { cooldown: { failures: 2 } },
      },
    })
    const outcomes: string[] = []
    for (let i = 0; i < 4; i++)
      outcomes.push(
        await service.chat(chat("m"), meta()).then(
          () => "ok",
          (e: GatewayFailure) => e.reason._tag,
        ),
      )
    expect(good.calls.length).toBeGreaterThan(0)
    expect(outcomes).toEqual(["ok", "ok", "ok", "ok"])
  })

  it("F3 a call that runs into its total deadline is not retried and does not put the deployment in cooldown for every tenant", async () => {
    const shared = fakeBackend("shared", (call) => (call.input.messages.some((m) => m.role === "user" && m.content === "poison") ? { _tag: "UpstreamTimeout", phase: "total", shouldRetry: false } : "ok"))
    const { service } = setup({ m: { deployments: [{ label: "0", backend: shared.backend }] } }) // default routing: 2 retries, 5 failures / 60 s, 30 s cooldown
    for (let i = 0; i < 2; i++) await service.chat(chat("m", "poison"), meta("attacker")).catch(() => undefined)
    // A call that ran into its own total deadline is not retried and says nothing of the deployment's health.
    expect(shared.calls.length).toBe(2)
    const victim = await service.chat(chat("m"), meta("victim")).then(
      () => "ok",
      (e: GatewayFailure) => `${e.reason._tag} ${"message" in e.reason ? e.reason.message : ""}`,
    )
    expect(victim).toBe("ok")
  })

  it("F4 a half-open probe that takes longer than a cooldown does not hold the deployment: another call may try it", async () => {
    const clock = { t: 0 }
    let fail = true
    const waiting: (() => void)[] = []
    const slow = fakeBackend("slow", () => (fail ? upstream(500) : new Promise<"ok">((resolve) => waiting.push(() => resolve("ok")))))
    const { service } = setup({ m: { deployments: [{ label: "0", backend: slow.backend }], routing: { retries: { max: 0 }, cooldown: { failures: 1, cooldownMs: 1_000 } } } }, { clock })
    await service.chat(chat("m"), meta()).catch(() => undefined)
    fail = false
    clock.t = 1_000
    const probe = service.chat(chat("m"), meta("a"))
    await new Promise((r) => setTimeout(r, 10))
    clock.t = 600_000 // ten minutes into a long, healthy generation
    const other = service.chat(chat("m"), meta("b")).then(
      () => "ok",
      (e: GatewayFailure) => e.reason._tag,
    )
    await new Promise((r) => setTimeout(r, 10))
    // Both calls reached the upstream: the long probe did not hold the deployment.
    expect(slow.calls.length).toBe(3)
    for (const release of waiting) release()
    await probe
    expect(await other).toBe("ok")
  })

  it("F5 a throw while recording a successful answer (journal ENOSPC) never calls the upstream again", async () => {
    let failOnce = true
    const sink: CallSink = {
      started: () => undefined,
      record: (row) => {
        if (row.outcome === "success" && failOnce) {
          failOnce = false
          throw new Error("ENOSPC: no space left on device, write")
        }
      },
    }
    const b = fakeBackend("b", () => "ok")
    const { service } = setup({ m: { deployments: [{ label: "0", backend: b.backend }] } }, { sink })
    await service.chat(chat("m"), meta()).catch(() => undefined)
    expect(b.calls.length).toBe(1)
  })

  it("F5b a throw while recording the previous attempt's row leaks no lease: a deployment is tried again after its cooldown", async () => {
    const clock = { t: 0 }
    let d1Fails = true
    let sinkThrows = false
    const sink: CallSink = {
      started: () => undefined,
      record: (row) => {
        if (sinkThrows && row.outcome === "error") throw new Error("EIO: i/o error, write")
      },
    }
    const d0 = fakeBackend("d0", () => upstream(500))
    const d1 = fakeBackend("d1", () => (d1Fails ? upstream(500) : "ok"))
    const { service } = setup(
      {
        m: {
          deployments: [
            { label: "d0", backend: d0.backend },
            { label: "d1", backend: d1.backend },
          ],
          routing: { cooldown: { failures: 1, cooldownMs: 1_000 } },
        },
      },
      { sink, clock },
    )
    await service.chat(chat("m"), meta()).catch(() => undefined) // both deployments cool
    clock.t = 1_000
    d1Fails = false
    sinkThrows = true
    await service.chat(chat("m"), meta()).catch(() => undefined) // d0's probe fails; d1's probe is leased, then d0's row throws
    sinkThrows = false
    clock.t = 1_000_000 // long after any cooldown
    const later = await service.chat(chat("m"), meta()).then(
      () => "ok",
      (e: GatewayFailure) => e.reason._tag,
    )
    expect(d1.calls.length).toBeGreaterThan(1)
    expect(later).toBe("ok")
  })
})
