import { GatewayFailure, fromUpstreamError, toOpenAIError, type GatewayError } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import type { AttemptReport } from "./attempts-header.ts"
import { DEFAULT_COOLDOWN } from "./cooldown.ts"
import { createDeploymentPool, type Deployment } from "./deployment-pool.ts"
import { DEFAULT_RETRIES } from "./retry-policy.ts"
import { routeCall, type Attempt, type AttemptOutcome, type RoutedModel, type RoutingClock } from "./route-call.ts"

/** A clock that never waits: sleeps are recorded and advance time. */
function fakeClock(random = () => 0.5) {
  let now = 1_000
  const sleeps: number[] = []
  const clock: RoutingClock = {
    now: () => now,
    random,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
  }
  return { clock, sleeps, advance: (ms: number) => void (now += ms) }
}

const NEVER_COOL = { enabled: false, failures: 1, windowMs: 1, cooldownMs: 1, tenantSlots: 0 }
function model(name: string, labels: readonly string[] = ["0"], overrides: Partial<RoutedModel<string>> = {}, cooldown = NEVER_COOL): RoutedModel<string> {
  const deployments: Deployment<string>[] = labels.map((label) => ({ label, upstreamModel: `${name}-${label}`, backend: `${name}/${label}`, weight: 1 }))
  return {
    logicalName: name,
    pool: createDeploymentPool(deployments, { strategy: "weighted-random", cooldown }),
    retries: { ...DEFAULT_RETRIES, baseDelayMs: 100, maxDelayMs: 1_000 },
    fallbackOn: { contextLengthExceeded: false, contentFilter: false },
    ...overrides,
  }
}

const upstream = (status: number, headers: Record<string, string> = {}, body = "{}"): GatewayError => fromUpstreamError({ status, body, header: (name) => headers[name] }, 0)

/** Fake backends: each deployment (`model/label`) answers from its script, one entry per call; past the end, its last entry. */
function backends(scripts: Record<string, readonly (GatewayError | "ok")[]>) {
  const calls: string[] = []
  const rows: { number: number; backend: string; last: boolean; ok: boolean }[] = []
  const seen = new Map<string, number>()
  const run = async (attempt: Attempt<string>): Promise<AttemptOutcome<string>> => {
    const key = attempt.deployment.backend
    calls.push(key)
    const index = seen.get(key) ?? 0
    seen.set(key, index + 1)
    const script = scripts[key] ?? ["ok"]
    const step = script[Math.min(index, script.length - 1)] ?? "ok"
    if (step === "ok") {
      rows.push({ number: attempt.number, backend: key, last: true, ok: true })
      return { ok: true, value: `answer from ${key}` }
    }
    return { ok: false, reason: step, record: (last) => void rows.push({ number: attempt.number, backend: key, last, ok: false }) }
  }
  return { run, calls, rows }
}
const signal = () => new AbortController().signal
/** A budget no test here reaches, and a call without a tenant. */
const OPEN = { maxAttempts: 100, tenant: null }
/** Whether a pool has a deployment for a call of no tenant. */
const ANYONE = { excluded: new Set<Deployment<string>>(), tenant: null }

describe("retries", () => {
  it("honours the upstream's retry-after: the sleep is asked for exactly that delay", async () => {
    const { clock, sleeps } = fakeClock()
    const { run, calls } = backends({ "m/0": [upstream(429, { "retry-after": "2" }), upstream(503, { "retry-after-ms": "750" }), "ok"] })
    const routed = await routeCall([model("m")], run, { clock, signal: signal(), ...OPEN })
    expect(routed.ok).toBe(true)
    expect(sleeps).toEqual([2_000, 750])
    expect(calls).toEqual(["m/0", "m/0", "m/0"])
  })

  it("caps the retry-after: an upstream asking for more than maxRetryAfterMs gets no retry (the client gets its 429 and retry-after)", async () => {
    const { clock, sleeps } = fakeClock()
    const { run, calls } = backends({ "m/0": [upstream(429, { "retry-after": "31" })] })
    const routed = await routeCall([model("m")], run, { clock, signal: signal(), ...OPEN })
    expect(routed).toMatchObject({ ok: false, reason: { _tag: "RateLimited", retryAfterMs: 31_000 } })
    expect(sleeps).toEqual([])
    expect(calls).toEqual(["m/0"])
  })

  it("without a hint, backs off with full jitter under a doubling ceiling, and stops after max retries", async () => {
    const draws = [0.5, 0.25, 0.99]
    const { clock, sleeps } = fakeClock(() => draws.shift() ?? 0)
    const { run, calls, rows } = backends({ "m/0": [upstream(500)] })
    const routed = await routeCall([model("m", ["0"], { retries: { max: 3, baseDelayMs: 100, maxDelayMs: 300, maxRetryAfterMs: 1_000 } })], run, { clock, signal: signal(), ...OPEN })
    expect(routed).toMatchObject({ ok: false, reason: { _tag: "UpstreamError", upstreamStatus: 500 }, attempts: 4 })
    // Ceilings 100, 200, 300 (400 capped): draws 0.5, 0.25, 0.99 of them.
    expect(sleeps).toEqual([50, 50, 297])
    expect(calls.length).toBe(4)
    expect(rows.map((r) => [r.number, r.last])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ])
  })

  it("does not retry 400 or insufficient_quota", async () => {
    for (const error of [upstream(400), upstream(429, {}, JSON.stringify({ error: { code: "insufficient_quota", type: "insufficient_quota" } }))]) {
      const { clock, sleeps } = fakeClock()
      const { run, calls } = backends({ "m/0": [error], "backup/0": ["ok"] })
      const routed = await routeCall([model("m"), model("backup")], run, { clock, signal: signal(), ...OPEN })
      expect(routed.ok).toBe(false)
      expect(calls).toEqual(["m/0"])
      expect(sleeps).toEqual([])
    }
  })

  it("routes around a deployment whose key the upstream refuses (401): the other deployment, then the fallbacks, at once", async () => {
    const { clock, sleeps } = fakeClock(() => 0)
    const { run, calls } = backends({ "m/a": [upstream(401)], "m/b": [upstream(401)], "backup/0": ["ok"] })
    const routed = await routeCall([model("m", ["a", "b"]), model("backup")], run, { clock, signal: signal(), ...OPEN })
    expect(routed).toMatchObject({ ok: true, value: "answer from backup/0" })
    expect(calls).toEqual(["m/a", "m/b", "backup/0"])
    expect(sleeps).toEqual([])
  })

  it("tries another deployment of the model at once before waiting", async () => {
    const { clock, sleeps } = fakeClock(() => 0)
    const { run, calls } = backends({ "m/a": [upstream(503)], "m/b": ["ok"] })
    const routed = await routeCall([model("m", ["a", "b"])], run, { clock, signal: signal(), ...OPEN })
    expect(routed).toMatchObject({ ok: true, value: "answer from m/b", attempt: { number: 2, deployment: { label: "b" } } })
    expect(calls).toEqual(["m/a", "m/b"])
    expect(sleeps).toEqual([])
  })

  it("a client that leaves during the wait ends the call", async () => {
    const controller = new AbortController()
    const { clock } = fakeClock()
    const sleeping: RoutingClock = { ...clock, sleep: async () => controller.abort() }
    const { run, calls, rows } = backends({ "m/0": [upstream(500)] })
    expect(await routeCall([model("m")], run, { clock: sleeping, signal: controller.signal, ...OPEN })).toMatchObject({ ok: false, reason: { _tag: "Cancelled" } })
    expect(calls).toEqual(["m/0"])
    expect(rows.map((r) => r.last)).toEqual([true])
  })
})

describe("fallback", () => {
  it("tries the chain in order after the retries, and reports every attempt", async () => {
    const { clock } = fakeClock()
    const { run, calls, rows } = backends({ "a/0": [upstream(500)], "b/0": [upstream(502)], "c/0": ["ok"] })
    const reports: AttemptReport[][] = []
    const chain = [model("a", ["0"], { retries: { ...DEFAULT_RETRIES, max: 1 } }), model("b", ["0"], { retries: { ...DEFAULT_RETRIES, max: 0 } }), model("c")]
    const routed = await routeCall(chain, run, { clock, signal: signal(), ...OPEN, onReport: (r) => reports.push([...r]) })
    expect(routed).toMatchObject({ ok: true, value: "answer from c/0", attempt: { number: 4 } })
    expect(calls).toEqual(["a/0", "a/0", "b/0", "c/0"])
    expect(rows.map((r) => [r.number, r.backend, r.last])).toEqual([
      [1, "a/0", false],
      [2, "a/0", false],
      [3, "b/0", false],
      [4, "c/0", true],
    ])
    expect(reports.at(-1)).toEqual([
      { logicalModel: "a", deployment: "0", status: 502, code: "upstream_error" },
      { logicalModel: "a", deployment: "0", status: 502, code: "upstream_error" },
      { logicalModel: "b", deployment: "0", status: 502, code: "upstream_error" },
      { logicalModel: "c", deployment: "0", status: 200, code: null },
    ])
  })

  it("falls back on context_length_exceeded or content_filter only when configured, without retrying", async () => {
    const tooLong = upstream(400, {}, JSON.stringify({ error: { code: "context_length_exceeded", message: "too long" } }))
    const plain = backends({ "a/0": [tooLong], "b/0": ["ok"] })
    expect(await routeCall([model("a"), model("b")], plain.run, { clock: fakeClock().clock, signal: signal(), ...OPEN })).toMatchObject({ ok: false, reason: { _tag: "ContextLengthExceeded" } })
    const asked = backends({ "a/0": [tooLong], "b/0": ["ok"] })
    const chain = [model("a", ["0"], { fallbackOn: { contextLengthExceeded: true, contentFilter: false } }), model("b")]
    expect(await routeCall(chain, asked.run, { clock: fakeClock().clock, signal: signal(), ...OPEN })).toMatchObject({ ok: true, value: "answer from b/0" })
    expect(asked.calls).toEqual(["a/0", "b/0"])
  })

  it("the last failure is the client's when the chain is exhausted", async () => {
    const { run } = backends({ "a/0": [upstream(500)], "b/0": [upstream(429, { "retry-after": "1" })] })
    const chain = [model("a", ["0"], { retries: { ...DEFAULT_RETRIES, max: 0 } }), model("b", ["0"], { retries: { ...DEFAULT_RETRIES, max: 0 } })]
    expect(await routeCall(chain, run, { clock: fakeClock().clock, signal: signal(), ...OPEN })).toMatchObject({ ok: false, reason: { _tag: "RateLimited", retryAfterMs: 1_000 }, attempts: 2 })
  })
})

describe("cooldown across calls", () => {
  it("a cooling deployment is skipped; when every deployment of the chain is cooling, the call still tries the least recently failed one, whose success ends its cooldown", async () => {
    const { clock, advance } = fakeClock(() => 0)
    const cooldown = { enabled: true, failures: 2, windowMs: 10_000, cooldownMs: 5_000, tenantSlots: 8 }
    const m = model("m", ["a", "b"], { retries: { ...DEFAULT_RETRIES, max: 0 } }, cooldown)
    const { run, calls } = backends({ "m/a": [upstream(500), upstream(500), "ok"], "m/b": [upstream(500), upstream(500), "ok"] })
    for (let i = 0; i < 4; i++) await routeCall([m], run, { clock, signal: signal(), ...OPEN })
    // a, a (cooling now), then b, b (cooling now)
    expect(calls).toEqual(["m/a", "m/a", "m/b", "m/b"])
    advance(1_000)
    const tried = await routeCall([m], run, { clock, signal: signal(), ...OPEN })
    // Not refused: `a` failed longest ago, is asked, answers, and is back for everyone.
    expect(tried).toMatchObject({ ok: true, value: "answer from m/a", attempt: { number: 1 } })
    expect(calls).toEqual(["m/a", "m/a", "m/b", "m/b", "m/a"])
    expect(m.pool.canPick(clock.now(), ANYONE)).toBe(true)
  })

  it("single deployment, no fallback: after 5 upstream 500s (default cooldown) the 6th call still reaches the upstream and succeeds when it recovers", async () => {
    const { clock, advance } = fakeClock(() => 0)
    const m = model("m", ["0"], { retries: { ...DEFAULT_RETRIES, max: 0 } }, DEFAULT_COOLDOWN)
    const { run, calls } = backends({ "m/0": [upstream(500), upstream(500), upstream(500), upstream(500), upstream(500), "ok"] })
    for (let i = 0; i < 5; i++) {
      await routeCall([m], run, { clock, signal: signal(), ...OPEN })
      advance(100)
    }
    expect(m.pool.canPick(clock.now(), ANYONE)).toBe(false) // cooling
    expect(await routeCall([m], run, { clock, signal: signal(), ...OPEN })).toMatchObject({ ok: true, value: "answer from m/0" })
    expect(calls.length).toBe(6)
  })

  it("every model of the chain cooling: the least recently failed deployment of the whole chain is tried", async () => {
    const { clock, advance } = fakeClock(() => 0)
    const cooldown = { enabled: true, failures: 1, windowMs: 10_000, cooldownMs: 60_000, tenantSlots: 8 }
    const once = { retries: { ...DEFAULT_RETRIES, max: 0 } }
    const a = model("a", ["0"], once, cooldown)
    const b = model("b", ["0"], once, cooldown)
    const { run, calls } = backends({ "a/0": [upstream(500), "ok"], "b/0": [upstream(500), "ok"] })
    await routeCall([b], run, { clock, signal: signal(), ...OPEN })
    advance(10)
    await routeCall([a], run, { clock, signal: signal(), ...OPEN })
    advance(10)
    expect(await routeCall([a, b], run, { clock, signal: signal(), ...OPEN })).toMatchObject({ ok: true, value: "answer from b/0" })
    expect(calls).toEqual(["b/0", "a/0", "b/0"])
  })
  it("one tenant's 500s do not cool a deployment; its key refused (401) does, whoever called", async () => {
    const cooldown = { enabled: true, failures: 2, windowMs: 60_000, cooldownMs: 60_000, tenantSlots: 8 }
    const once = { retries: { ...DEFAULT_RETRIES, max: 0 } }
    const bodyFault = model("m", ["0", "1"], once, cooldown)
    const keyFault = model("k", ["0", "1"], once, cooldown)
    const { run } = backends({ "m/0": [upstream(500)], "k/0": [upstream(401)] })
    const only = { clock: fakeClock(() => 0).clock, signal: signal(), maxAttempts: 1, tenant: "only" }
    for (let i = 0; i < 6; i++) {
      await routeCall([bodyFault], run, only)
      await routeCall([keyFault], run, only)
    }
    expect(bodyFault.pool.pick(2_000, { excluded: new Set(), tenant: "other" }, () => 0)?.deployment.label).toBe("0")
    expect(keyFault.pool.pick(2_000, { excluded: new Set(), tenant: "other" }, () => 0)?.deployment.label).toBe("1")
  })

  it("the gateway's own failures (internal, cancelled, the call's own deadline) are neither retried nor counted toward a cooldown", async () => {
    const cooldown = { enabled: true, failures: 1, windowMs: 60_000, cooldownMs: 60_000, tenantSlots: 8 }
    const own: readonly GatewayError[] = [{ _tag: "Internal", detail: "Do not know how to serialize a BigInt" }, { _tag: "Cancelled" }, { _tag: "UpstreamTimeout", phase: "total", shouldRetry: false }]
    for (const reason of own) {
      const m = model("m", ["0"], {}, cooldown)
      const { run, calls } = backends({ "m/0": [reason] })
      for (let i = 0; i < 8; i++) await routeCall([m], run, { clock: fakeClock().clock, signal: signal(), ...OPEN })
      expect(calls.length).toBe(8)
      expect(m.pool.canPick(1_000, ANYONE)).toBe(true)
    }
  })

  it("a throw from run (a bug) frees the deployment and propagates", async () => {
    const m = model("m", ["a"], {}, { enabled: true, failures: 1, windowMs: 1_000, cooldownMs: 1_000, tenantSlots: 8 })
    await expect(routeCall([m], async () => Promise.reject(new GatewayFailure({ _tag: "Internal" })), { clock: fakeClock().clock, signal: signal(), ...OPEN })).rejects.toThrow()
    expect(m.pool.canPick(0, ANYONE)).toBe(true)
  })
})

describe("the attempt budget", () => {
  const failing = (name: string) => model(name, ["0", "1", "2"], { retries: { ...DEFAULT_RETRIES, max: 10 } })
  const all500 = () => backends(Object.fromEntries(["a", "b", "c"].flatMap((m) => ["0", "1", "2"].map((d) => [`${m}/${d}`, [upstream(500)]]))))

  it("bounds the upstream attempts of a call across deployments, retries and fallbacks (3 models x 3 deployments x 11 was 33); each fallback keeps one", async () => {
    const { run, calls } = all500()
    const routed = await routeCall([failing("a"), failing("b"), failing("c")], run, { clock: fakeClock(() => 0).clock, signal: signal(), maxAttempts: 4, tenant: null })
    expect(calls).toEqual(["a/0", "a/1", "b/0", "c/0"])
    // Spent: the client is told not to send it again.
    expect(routed).toMatchObject({ ok: false, attempts: 4, reason: { _tag: "UpstreamError", shouldRetry: false } })
  })

  it("a budget of one is one attempt, and keeps the upstream's retry advice (the gateway retried nothing: a client's own retries stay the client's)", async () => {
    const { run, calls } = all500()
    const routed = await routeCall([failing("a"), failing("b")], run, { clock: fakeClock(() => 0).clock, signal: signal(), maxAttempts: 1, tenant: null })
    expect(calls).toEqual(["a/0"])
    expect(routed).toMatchObject({ ok: false, attempts: 1 })
    expect(routed.ok ? "answered" : toOpenAIError(routed.reason).headers["x-should-retry"]).toBeUndefined()
  })

  it("a call that ends before spending its budget keeps its own retry advice", async () => {
    const { run, calls } = backends({ "m/0": [upstream(503)] })
    const routed = await routeCall([model("m", ["0"], { retries: { ...DEFAULT_RETRIES, max: 0 } })], run, { clock: fakeClock().clock, signal: signal(), maxAttempts: 3, tenant: null })
    expect(calls).toEqual(["m/0"])
    expect(routed.ok).toBe(false)
    expect(routed.ok ? "answered" : toOpenAIError(routed.reason).headers["x-should-retry"]).toBeUndefined()
  })
})
