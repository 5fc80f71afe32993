import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"

const admin = { username: "admin", password: "limits-pw-for-tests" }
const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
// $0.01 a token: an echo call of "hello there friend" (3 prompt + 3 completion words) costs $0.06.
const PRICE = { inputPerMTok: 10_000, outputPerMTok: 10_000 }
const gatewayConfig = (noUsageUrl: string) => ({
  models: {
    generative: {
      echo: { backend: "echo", price: PRICE },
      other: { backend: "echo" },
      // An upstream that ignores stream_options.include_usage: its streams end without a usage chunk.
      "no-usage": { backend: "openai", baseUrl: `${noUsageUrl}/v1`, apiKey: "sk-test-no-usage", model: "no-usage", price: PRICE },
      // The same upstream answering a non-streamed call with 50,005 tokens of usage.
      overshoot: { backend: "openai", baseUrl: `${noUsageUrl}/v1`, apiKey: "sk-test-no-usage", model: "overshoot" },
    },
  },
  accounting: { flushIntervalMs: 100 },
})
const CALL_COST = 0.06
const NO_USAGE_DELTAS = 2_000

let root: string
let harper: HarperInstance
let noUsage: { readonly url: string; close(): Promise<void> }

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "harper-gateway-limits-"))
  noUsage = await listenOnLoopback(
    createServer((request, response) => {
      let body = ""
      request.on("data", (data: Buffer) => (body += data.toString()))
      request.on("end", () => {
        if (body.includes('"overshoot"')) {
          response.writeHead(200, { "content-type": "application/json" })
          const usage = { prompt_tokens: 5, completion_tokens: 50_000, total_tokens: 50_005 }
          response.end(JSON.stringify({ id: "chatcmpl-o", object: "chat.completion", created: 1, model: "overshoot", choices: [{ index: 0, message: { role: "assistant", content: "long" }, finish_reason: "stop" }], usage }))
          return
        }
        response.writeHead(200, { "content-type": "text/event-stream" })
        const chunk = (delta: Record<string, unknown>, finish: string | null) =>
          `data: ${JSON.stringify({ id: "chatcmpl-n", object: "chat.completion.chunk", created: 1, model: "no-usage", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
        let stream = chunk({ role: "assistant", content: "" }, null)
        for (let i = 0; i < NO_USAGE_DELTAS; i++) stream += chunk({ content: " word" }, null)
        response.end(`${stream}${chunk({}, "stop")}data: [DONE]\n\n`)
      })
    }),
  )
  harper = await startHarper({ root, admin, gatewayConfig: gatewayConfig(noUsage.url), threads: 2 })
}, 120_000)

afterAll(async () => {
  await harper?.stop()
  await noUsage?.close()
  rmSync(root, { recursive: true, force: true })
}, 60_000)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function setLimit(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${harper.url}/gateway/limits`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify(body) })
  expect([200, 201]).toContain(response.status)
  return (await response.json()) as Record<string, unknown>
}

async function newKey(tenant: string): Promise<{ id: string; key: string }> {
  const response = await fetch(`${harper.url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user: admin.username, tenant }) })
  expect(response.status).toBe(201)
  const created: unknown = await response.json()
  if (typeof created !== "object" || created === null || !("id" in created) || !("key" in created) || typeof created.id !== "string" || typeof created.key !== "string") throw new Error("no key")
  return { id: created.id, key: created.key }
}

function chat(key: string, model = "echo"): Promise<Response> {
  return fetch(`${harper.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello there friend" }], max_tokens: 10 }),
  })
}

async function sql(query: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(harper.operationsUrl, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ operation: "sql", sql: query }) })
  const rows: unknown = await response.json()
  if (!Array.isArray(rows)) throw new Error(`sql failed: ${JSON.stringify(rows)}`)
  return rows.filter((row): row is Record<string, unknown> => typeof row === "object" && row !== null)
}

async function waitForRows(where: string, count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const rows = await sql(`SELECT time, outcome, cost_usd, costEstimated, keyId, errorCode FROM gateway.hdb_model_calls WHERE ${where}`)
    if (rows.length >= count || Date.now() > deadline) return rows
    await sleep(200)
  }
}

describe("limits in a real Harper with 2 worker threads", () => {
  it("admits exactly the limit per window to 32 clients offering 5x the limit for 3 windows", async () => {
    const LIMIT = 60
    const WINDOW_MS = 2_000
    const CLIENTS = 32
    const { key } = await newKey("accuracy")
    await setLimit({ tenant: "accuracy", requests: LIMIT, windowSeconds: WINDOW_MS / 1_000 })
    // 5x the limit, spread over the clients: each sends one request every CLIENTS / (5 * LIMIT / WINDOW_MS) ms.
    const intervalMs = (CLIENTS * WINDOW_MS) / (5 * LIMIT)
    const started = Date.now()
    const until = (Math.floor(started / WINDOW_MS) + 5) * WINDOW_MS // 4 full windows and the partial one we start in
    let sent = 0
    const statuses = new Map<number, number>()
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        await sleep((client * intervalMs) / CLIENTS)
        for (let next = Date.now(); Date.now() < until; next += intervalMs) {
          sent++
          const response = await chat(key)
          await response.arrayBuffer()
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          await sleep(Math.max(0, next + intervalMs - Date.now()))
        }
      }),
    )
    const rows = await waitForRows("tenant = 'accuracy'", sent)
    const perWindow = new Map<number, number>()
    for (const row of rows) if (row["outcome"] === "success" && typeof row["time"] === "number") perWindow.set(Math.floor(row["time"] / WINDOW_MS), (perWindow.get(Math.floor(row["time"] / WINDOW_MS)) ?? 0) + 1)
    const firstFull = Math.floor(started / WINDOW_MS) + 1
    const full = [firstFull, firstFull + 1, firstFull + 2].map((window) => perWindow.get(window) ?? 0)
    const offered = sent / ((until - started) / WINDOW_MS)
    console.log(
      `accuracy: limit ${LIMIT}/${WINDOW_MS} ms, ${CLIENTS} clients, offered ${offered.toFixed(0)} per window (${(offered / LIMIT).toFixed(1)}x); admitted in 3 full windows: ${full.join(", ")}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    )
    expect(rows.length).toBe(sent)
    for (const admitted of full) expect(Math.abs(admitted - LIMIT)).toBeLessThanOrEqual(LIMIT * 0.02)
    expect(statuses.get(429)).toBeGreaterThan(0)
  }, 120_000)

  it("answers with OpenAI's headers, and a 429 whose retry-after-ms is true", async () => {
    const { key } = await newKey("headers")
    await setLimit({ tenant: "headers", requests: 2, tokens: 100_000, windowSeconds: 1 })
    // Start early in a window, so the two requests share it.
    await sleep(1_000 - (Date.now() % 1_000) + 20)
    const first = await chat(key)
    expect(first.status).toBe(200)
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2")
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1")
    expect(first.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+ms$|^\d+(\.\d+)?s$/)
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("100000")
    // 5 prompt tokens ("user" + "hello there friend") + 4 framing + max_tokens 10, before settling.
    expect(Number(first.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(100_000)
    await chat(key)
    const refused = await chat(key)
    expect(refused.status).toBe(429)
    const body: unknown = await refused.json()
    expect(body).toMatchObject({ error: { type: "rate_limit_error", code: "rate_limit_exceeded" } })
    expect(JSON.stringify(body)).toMatch(/on requests per 1s: Limit 2, Used 2, Requested 1/)
    const retryMs = Number(refused.headers.get("retry-after-ms"))
    expect(retryMs).toBeGreaterThan(0)
    expect(retryMs).toBeLessThanOrEqual(1_000)
    expect(refused.headers.get("retry-after")).toBe(String(Math.ceil(retryMs / 1_000)))
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0")
    await sleep(retryMs + 5)
    expect((await chat(key)).status).toBe(200)
    // Answers that reach no model carry the tenant's limits too.
    const models = await fetch(`${harper.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
    expect(models.headers.get("x-ratelimit-limit-requests")).toBe("2")
  }, 30_000)

  it("refuses a spent budget with insufficient_quota, overspends by no more than the calls in flight, and keeps the spend across a restart", async () => {
    const BUDGET = 3
    const CLIENTS = 32
    const { key, id } = await newKey("budget")
    await setLimit({ key: id, model: "echo", budgetUsd: BUDGET, budgetPeriod: "day" })
    const statuses = new Map<number, number>()
    let quotaBody: unknown
    let quotaRetry: string | null = null
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (;;) {
          const response = await chat(key)
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          if (response.status !== 200) {
            quotaBody = await response.json()
            quotaRetry = response.headers.get("x-should-retry")
            return
          }
          await response.arrayBuffer()
        }
      }),
    )
    expect(quotaBody).toMatchObject({ error: { type: "insufficient_quota", code: "insufficient_quota" } })
    expect(quotaRetry).toBe("false")
    const admitted = statuses.get(200) ?? 0
    const rows = await waitForRows(`tenant = 'budget' AND outcome = 'success'`, admitted)
    const spent = rows.reduce((sum, row) => sum + (typeof row["cost_usd"] === "number" ? row["cost_usd"] : 0), 0)
    console.log(
      `budget: $${BUDGET}, $${CALL_COST} a call, ${CLIENTS} clients: ${admitted} calls admitted, $${spent.toFixed(2)} spent (over by $${(spent - BUDGET).toFixed(2)}, at most ${CLIENTS - 1} calls in flight = $${((CLIENTS - 1) * CALL_COST).toFixed(2)})`,
    )
    expect(rows.every((row) => row["keyId"] === id && row["costEstimated"] === false && typeof row["cost_usd"] === "number" && Math.abs(row["cost_usd"] - CALL_COST) < 1e-9)).toBe(true)
    expect(spent).toBeGreaterThanOrEqual(BUDGET - 1e-9)
    expect(spent - BUDGET).toBeLessThan((CLIENTS - 1) * CALL_COST + CALL_COST)
    // The limit is per model: another model is still served.
    expect((await chat(key, "other")).status).toBe(200)

    await waitForRows("tenant = 'budget'", admitted + CLIENTS + 1)
    await harper.stop()
    harper = await startHarper({ root, admin, gatewayConfig: gatewayConfig(noUsage.url), threads: 2 })
    const afterRestart = await chat(key)
    expect(afterRestart.status).toBe(429)
    expect(afterRestart.headers.get("x-should-retry")).toBe("false")

    // A reset starts the spend again from now.
    const reset = await fetch(`${harper.url}/gateway/limits/${encodeURIComponent(`key:${id}|model:echo`)}/reset`, { method: "POST", headers: { authorization: basic } })
    expect(reset.status, await reset.clone().text()).toBe(200)
    expect((await chat(key)).status).toBe(200)
    const removed = await fetch(`${harper.url}/gateway/limits/${encodeURIComponent(`key:${id}|model:echo`)}`, { method: "DELETE", headers: { authorization: basic } })
    expect(removed.status).toBe(200)
    const listed: unknown = await (await fetch(`${harper.url}/gateway/limits`, { headers: { authorization: basic } })).json()
    expect(JSON.stringify(listed)).not.toContain(`key:${id}|model:echo`)
  }, 120_000)

  it("bills a stream that ends without usage at its estimate, so a budget refuses the next call (not 30 free streams)", async () => {
    const { key, id } = await newKey("no-usage")
    await setLimit({ key: id, budgetUsd: 0.01, budgetPeriod: "day" })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${harper.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "no-usage", stream: true, messages: [{ role: "user", content: "hello there friend" }] }),
      })
      await response.text()
      statuses.push(response.status)
    }
    expect(statuses).toEqual([200, 429, 429, 429, 429])
    const [row] = await waitForRows(`keyId = '${id}' AND outcome = 'success'`, 1)
    const [billed] = await sql(`SELECT promptTokens, completionTokens, tokensEstimated, cost_usd, costEstimated FROM gateway.hdb_model_calls WHERE keyId = '${id}' AND outcome = 'success'`)
    expect(row).toBeDefined()
    // 2,000 deltas of " word": one token each in o200k; the prompt counted from the request.
    expect(billed).toMatchObject({ tokensEstimated: true, costEstimated: true })
    expect(Number(billed?.["completionTokens"])).toBeGreaterThanOrEqual(NO_USAGE_DELTAS * 0.9)
    expect(Number(billed?.["completionTokens"])).toBeLessThanOrEqual(NO_USAGE_DELTAS * 1.1)
    expect(Number(billed?.["promptTokens"])).toBeGreaterThan(0)
    expect(Number(billed?.["cost_usd"])).toBeGreaterThan(NO_USAGE_DELTAS * 0.9 * 0.01)
  }, 60_000)

  it("counts n completions in a call's token estimate, and refuses one call larger than the whole limit as not retryable", async () => {
    const { key } = await newKey("many-choices")
    await setLimit({ tenant: "many-choices", tokens: 10_000, windowSeconds: 60 })
    const response = await fetch(`${harper.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "echo", n: 128, max_tokens: 100, messages: [{ role: "user", content: "hello there friend" }] }),
    })
    expect(response.status).toBe(429)
    expect(response.headers.get("x-should-retry")).toBe("false")
    const body = JSON.stringify(await response.json())
    expect(body).toMatch(/Request too large for echo in tenant many-choices on tokens per min \(TPM\): Limit 10000, Requested 128\d\d\b.*fewer choices \(n\)/)
    // Within the limit, the same call with n=1 is admitted.
    expect((await chat(key)).status).toBe(200)
  }, 30_000)

  it("carries usage reported past the token limit into the next windows: one call of 50,005 tokens against 10,000 a window is all that five windows admit", async () => {
    const { key } = await newKey("overshoot")
    await setLimit({ tenant: "overshoot", tokens: 10_000, windowSeconds: 1 })
    await sleep(1_000 - (Date.now() % 1_000) + 20)
    const until = Date.now() + 4_500 // within the window started in and the four after it, which the carry blocks
    const statuses: number[] = []
    while (Date.now() < until) {
      const response = await fetch(`${harper.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "overshoot", max_tokens: 10, messages: [{ role: "user", content: "hello" }] }),
      })
      await response.text()
      statuses.push(response.status)
      await sleep(100)
    }
    console.log(`overshoot: ${statuses.length} calls over 5 windows, ${statuses.filter((status) => status === 200).length} admitted`)
    expect(statuses.filter((status) => status === 200).length).toBe(1)
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([])
  }, 30_000)

  it("lets only super users with Harper credentials set limits", async () => {
    const { key } = await newKey("intruder")
    const response = await fetch(`${harper.url}/gateway/limits`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ tenant: "intruder", requests: 1_000_000 }) })
    expect([401, 403]).toContain(response.status)
    const bad = await fetch(`${harper.url}/gateway/limits`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ tenant: "x", key: "y" }) })
    expect(bad.status).toBe(400)
  })
})
