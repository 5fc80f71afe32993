/**
 * Routing against a real Harper and a local upstream on 127.0.0.1 (replay-upstream.ts):
 * a failing primary falls back, a deployment in cooldown gets no request (in every worker
 * thread), a cooling single deployment is still tried, a call's attempts are bounded and a
 * client's own retry gets one, a retry waits the upstream's retry-after, a stream is never
 * retried after its first byte, and every attempt has its row under the call's callId.
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"
import { startGatewayFixture, type GatewayFixture } from "./harper-fixture.ts"
import { startReplayUpstream, type RecordedRequest, type ReplayUpstream } from "./replay-upstream.ts"

let fx: GatewayFixture
/** What the fallback's upstream answers with: the recording's own `model`. */
const recordedModel = Schema.decodeUnknownSync(Schema.Struct({ model: Schema.String }))(JSON.parse(readFileSync(join(recordedDir, "openai-text.json"), "utf8"))).model
const NO_COOLDOWN = { enabled: false }

beforeAll(async () => {
  fx = await startGatewayFixture(recordedDir, (openai) => ({
    "r-primary": { ...openai("fault-500"), fallback: ["r-backup"], routing: { retries: { max: 1, baseDelayMs: 50, maxDelayMs: 200 }, cooldown: NO_COOLDOWN } },
    "r-backup": openai("openai-text"),
    "r-pool": {
      backend: "openai",
      deployments: [
        { ...openai("fault-502"), name: "sick", weight: 3 },
        { ...openai("openai-text"), name: "well" },
      ],
      routing: { cooldown: { failures: 2, windowMs: 60_000, cooldownMs: 60_000 } },
    },
    "r-retry-after": { ...openai("fault-429-then-openai-text"), routing: { retries: { max: 1 }, cooldown: NO_COOLDOWN } },
    "r-cut": { ...openai("cut-openai-text"), fallback: ["r-backup"] },
    // One deployment, no fallback, the default cooldown (5 failures in 60 s, 30 s).
    "r-single": { ...openai("fault-500x5-then-openai-text"), routing: { retries: { max: 0 } } },
    "r-down": { ...openai("fault-500"), routing: { retries: { max: 10, baseDelayMs: 10, maxDelayMs: 20 }, cooldown: NO_COOLDOWN } },
  }))
}, 120_000)

afterAll(async () => {
  await fx?.close()
}, 60_000)

/** A chat call with a conversation of its own, so the upstream's requests for it can be told apart. */
async function chat(model: string, stream = false, headers: Record<string, string> = {}) {
  const content = `routing ${randomUUID()}`
  const started = performance.now()
  const response = await fetch(`${fx.harper.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: fx.basic, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content }] }),
  })
  const text = await response.text()
  const elapsedMs = performance.now() - started
  const received = (upstreamModel?: string) => fx.upstream.requests.filter((r) => JSON.stringify(r.body["messages"]).includes(content) && (upstreamModel === undefined || r.body["model"] === upstreamModel))
  return { status: response.status, attempts: response.headers.get("x-gateway-attempts"), shouldRetry: response.headers.get("x-should-retry"), text, elapsedMs, received }
}

const modelOf = (text: string) => Schema.decodeUnknownSync(Schema.Struct({ model: Schema.String }))(JSON.parse(text)).model
/** The `model` of a stream's chunks (each data event but [DONE]). */
const streamModels = (text: string) =>
  text
    .split("\n\n")
    .filter((event) => event.startsWith("data: {") && !event.includes('"error"'))
    .map((event) => modelOf(event.slice("data: ".length)))

describe("routing through Harper", () => {
  it("a primary answering 500 is retried once, then falls back: the client gets 200 with the fallback's model and the attempts header, within 5 s", async () => {
    for (const stream of [false, true]) {
      const call = await chat("r-primary", stream)
      expect(call.status, call.text).toBe(200)
      expect(call.attempts).toBe("r-primary/0=502:upstream_error, r-primary/0=502:upstream_error, r-backup/0=200")
      expect(call.received("fault-500").length).toBe(2)
      expect(call.received("openai-text").length).toBe(1)
      if (stream) expect(new Set(streamModels(call.text))).toEqual(new Set([recordedModel]))
      else expect(modelOf(call.text)).toBe(recordedModel)
      // Two upstream round trips on loopback and one backoff of at most 200 ms; 5 s is for a loaded 2-core machine.
      expect(call.elapsedMs).toBeLessThan(5_000)
    }
    await new Promise((r) => setTimeout(r, 400))
    const rows = (await fx.sql("SELECT callId, attempt, lastAttempt, logicalModel, deployment, outcome, status, stream, `model` FROM gateway.hdb_model_calls")).filter((row) => row["model"] === "r-primary")
    const calls = Map.groupBy(rows, (row) => String(row["callId"]))
    expect(calls.size).toBe(2)
    for (const attempts of calls.values()) {
      expect(attempts.map((row) => [row["attempt"], row["lastAttempt"], row["logicalModel"], row["deployment"], row["outcome"], row["status"]]).sort()).toEqual([
        [1, false, "r-primary", "0", "error", 502],
        [2, false, "r-primary", "0", "error", 502],
        [3, true, "r-backup", "0", "success", 200],
      ])
    }
    // The README's SQL for counting calls, not attempts.
    const counted = await fx.sql("SELECT COUNT(*) AS calls FROM gateway.hdb_model_calls WHERE `model` = 'r-primary' AND (lastAttempt = true OR lastAttempt IS NULL)")
    expect(counted).toEqual([{ calls: 2 }])
  })

  it("a deployment in cooldown gets no request while it cools; the other one serves", async () => {
    const sick = () => fx.upstream.requests.filter((r: RecordedRequest) => r.body["model"] === "fault-502").length
    // Until the sick deployment (weight 3 of 4) has failed twice: then it cools for 60 s.
    for (let i = 0; i < 40 && sick() < 2; i++) expect((await chat("r-pool")).status).toBe(200)
    expect(sick()).toBe(2)
    for (let i = 0; i < 12; i++) {
      const call = await chat("r-pool", i % 2 === 1)
      expect(call.status).toBe(200)
      expect(call.attempts).toBe("r-pool/well=200")
    }
    expect(sick()).toBe(2)
  })

  it("a single deployment that failed 5 times (default cooldown) is still tried: the 6th call reaches the upstream and gets 200 once it recovers", async () => {
    for (let i = 0; i < 5; i++) {
      const failed = await chat("r-single")
      expect(failed.status).toBe(502)
      expect(failed.received().length).toBe(1)
    }
    const sixth = await chat("r-single")
    expect(sixth.status, sixth.text).toBe(200)
    expect(sixth.received().length).toBe(1)
    expect(sixth.attempts).toBe("r-single/0=200")
  })

  it("a call makes at most routing.maxAttempts (3) upstream attempts and then says x-should-retry: false; a client's own retry (x-stainless-retry-count) gets one, its advice left as the upstream's", async () => {
    const first = await chat("r-down")
    expect(first.status).toBe(502)
    expect(first.received().length).toBe(3)
    expect(first.shouldRetry).toBe("false")
    const retried = await chat("r-down", false, { "x-stainless-retry-count": "1" })
    expect(retried.status).toBe(502)
    expect(retried.received().length).toBe(1)
    // One attempt, no retry of the gateway's own: the SDK's own retries are left to it.
    expect(retried.shouldRetry).toBeNull()
    expect(retried.attempts).toBe("r-down/0=502:upstream_error")
  })

  it("a retry waits the upstream's retry-after (1 s) before the second request, and the client gets 200", async () => {
    const call = await chat("r-retry-after")
    expect(call.status, call.text).toBe(200)
    expect(call.attempts).toBe("r-retry-after/0=429:rate_limit_exceeded, r-retry-after/0=200")
    const [first, second] = call.received()
    expect(call.received().length).toBe(2)
    const gap = (second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)
    expect(gap).toBeGreaterThanOrEqual(1_000)
    // The wait is the retry-after, not a backoff on top of it; 2 s is the margin for a loaded machine.
    expect(gap).toBeLessThan(3_000)
  })

  it("never retries a stream after its first byte: one that dies mid-way reached the upstream once and ends with the error event", async () => {
    const call = await chat("r-cut", true)
    expect(call.status).toBe(200)
    expect(call.text).toContain('"error"')
    expect(call.text.endsWith("data: [DONE]\n\n")).toBe(false)
    expect(call.received("cut-openai-text").length).toBe(1)
    expect(call.received("openai-text").length).toBe(0)
    expect(call.attempts).toBe("r-cut/0=200")
  })
})

describe("cooldown in a Harper with 2 worker threads", () => {
  const admin = { username: "admin", password: "routing-threads-pw" }
  const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
  let root: string
  let harper: HarperInstance
  let upstream: ReplayUpstream

  beforeAll(async () => {
    upstream = await startReplayUpstream(recordedDir)
    root = mkdtempSync(join(tmpdir(), "harper-gateway-routing-threads-"))
    const openai = (model: string) => ({ backend: "openai", baseUrl: `${upstream.url}/v1`, apiKey: "sk-test", model })
    harper = await startHarper({
      root,
      admin,
      threads: 2,
      gatewayConfig: {
        models: {
          generative: {
            pool: {
              backend: "openai",
              deployments: [
                { ...openai("fault-502"), name: "sick", weight: 3 },
                { ...openai("openai-text"), name: "well" },
              ],
              routing: { retries: { max: 0 }, cooldown: { failures: 2, windowMs: 60_000, cooldownMs: 60_000 } },
            },
          },
        },
        accounting: { flushIntervalMs: 100 },
      },
    })
  }, 120_000)

  afterAll(async () => {
    await harper?.stop()
    await upstream?.close()
    if (root !== undefined) rmSync(root, { recursive: true, force: true })
  }, 60_000)

  /** One call on a connection of its own, so that Harper may hand it to either thread. */
  const call = () =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ model: "pool", messages: [{ role: "user", content: `threads ${randomUUID()}` }] })
      const sent = request(`${harper.url}/v1/chat/completions`, { method: "POST", agent: false, headers: { authorization: basic, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
        response.resume()
        response.on("end", () => resolve(response.statusCode ?? 0))
      })
      sent.on("error", reject)
      sent.end(body)
    })

  it("once the sick deployment has failed twice, no thread sends it another request: the cooldown is one state per node", async () => {
    const sick = () => upstream.requests.filter((r) => r.body["model"] === "fault-502").length
    for (let i = 0; i < 40 && sick() < 2; i++) await call()
    expect(sick()).toBe(2)
    // Per thread, the other thread would have sent the sick one its share of these until it failed twice there too.
    for (let i = 0; i < 16; i++) expect(await call()).toBe(200)
    expect(sick()).toBe(2)
  })
})
