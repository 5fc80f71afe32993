/**
 * Routing against a real Harper and a local upstream on 127.0.0.1 (replay-upstream.ts):
 * a failing primary falls back, a deployment in cooldown gets no request, a retry waits
 * the upstream's retry-after, a stream is never retried after its first byte, and every
 * attempt has its row under the call's callId.
 */
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { startGatewayFixture, type GatewayFixture } from "./harper-fixture.ts"
import type { RecordedRequest } from "./replay-upstream.ts"

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
  }))
}, 120_000)

afterAll(async () => {
  await fx?.close()
}, 60_000)

/** A chat call with a conversation of its own, so the upstream's requests for it can be told apart. */
async function chat(model: string, stream = false) {
  const content = `routing ${randomUUID()}`
  const started = performance.now()
  const response = await fetch(`${fx.harper.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: fx.basic, "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content }] }),
  })
  const text = await response.text()
  const elapsedMs = performance.now() - started
  const received = (upstreamModel?: string) => fx.upstream.requests.filter((r) => JSON.stringify(r.body["messages"]).includes(content) && (upstreamModel === undefined || r.body["model"] === upstreamModel))
  return { status: response.status, attempts: response.headers.get("x-gateway-attempts"), text, elapsedMs, received }
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
