import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"
import { aggregateUsage } from "../src/accounting/aggregate-usage.ts"

const admin = { username: "admin", password: "admin-area-pw-for-tests" }
const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
const gatewayConfig = { models: { generative: { echo: { backend: "echo", price: { inputPerMTok: 1_000, outputPerMTok: 3_000 } }, other: { backend: "echo" } } }, accounting: { flushIntervalMs: 100 } }

let root: string
let harper: HarperInstance

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "harper-gateway-admin-"))
  harper = await startHarper({ root, admin, gatewayConfig, threads: 2 })
}, 120_000)

afterAll(async () => {
  await harper?.stop()
  rmSync(root, { recursive: true, force: true })
}, 60_000)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function send(method: string, path: string, body?: string, authorization = basic): Promise<Response> {
  return fetch(`${harper.url}${path}`, { method, headers: { authorization, "content-type": "application/json" }, ...(body === undefined ? {} : { body }) })
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const value: unknown = await response.json()
  if (typeof value !== "object" || value === null) throw new Error("not an object")
  return Object.fromEntries(Object.entries(value))
}

function errorParam(body: Record<string, unknown>): unknown {
  const error = body["error"]
  return typeof error === "object" && error !== null ? Reflect.get(error, "param") : undefined
}

async function newKey(tenant: string): Promise<{ id: string; key: string }> {
  const created = await json(await send("POST", "/gateway/keys", JSON.stringify({ user: admin.username, tenant })))
  const { id, key } = created
  if (typeof id !== "string" || typeof key !== "string") throw new Error(`no key: ${JSON.stringify(created)}`)
  return { id, key }
}

function chat(key: string, model = "echo"): Promise<Response> {
  return send("POST", "/v1/chat/completions", JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 5 }), `Bearer ${key}`)
}

async function sql(query: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(harper.operationsUrl, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ operation: "sql", sql: query }) })
  const rows: unknown = await response.json()
  if (!Array.isArray(rows)) throw new Error(`sql failed: ${JSON.stringify(rows)}`)
  return rows.filter((row): row is Record<string, unknown> => typeof row === "object" && row !== null)
}

async function* each(values: readonly unknown[]): AsyncIterable<unknown> {
  yield* values
}

describe("limit rules in a real Harper", () => {
  it("refuses what it cannot store faithfully, naming the field", async () => {
    expect((await send("POST", "/gateway/limits", JSON.stringify({ tenant: "faithful", budgetUsd: 10 }))).status).toBe(201)
    for (const [body, param] of [
      ['{"tenant":"faithful","budgetUsd":1e400}', "budgetUsd"],
      [JSON.stringify({ tenant: "t".repeat(1_000_000) }), "tenant"],
      [JSON.stringify({ tenant: "mx\u0000" }), "tenant"],
      ['{"tenant":"\\ud800"}', "tenant"],
    ] as const) {
      const response = await send("POST", "/gateway/limits", body)
      expect(response.status, body.slice(0, 40)).toBe(400)
      expect(errorParam(await json(response))).toBe(param)
    }
    const listed = await json(await send("GET", "/gateway/limits?limit=1000"))
    const rows = Array.isArray(listed["data"]) ? listed["data"] : []
    expect(rows.find((row: unknown) => typeof row === "object" && row !== null && Reflect.get(row, "tenant") === "faithful")).toMatchObject({ budgetUsd: 10 })
  })

  it("keeps a tenant named like another's per-model rule apart, addresses it by its encoded id, and pages the list", async () => {
    const perModel = await json(await send("POST", "/gateway/limits", JSON.stringify({ tenant: "mx", model: "oa", requests: 5 })))
    const crafted = await json(await send("POST", "/gateway/limits", JSON.stringify({ tenant: "mx|model:oa", requests: 1_000 })))
    expect(perModel["id"]).toBe("tenant:mx|model:oa")
    expect(crafted["id"]).toBe("tenant:mx%7Cmodel%3Aoa")
    const ids: unknown[] = []
    let after = ""
    for (let page = 0; page < 20; page++) {
      const answer = await json(await send("GET", `/gateway/limits?limit=1${after === "" ? "" : `&after=${encodeURIComponent(after)}`}`))
      const data = Array.isArray(answer["data"]) ? answer["data"] : []
      expect(data.length).toBeLessThanOrEqual(1)
      ids.push(...data.map((row: unknown) => (typeof row === "object" && row !== null ? Reflect.get(row, "id") : undefined)))
      after = String(answer["last_id"])
      if (answer["has_more"] !== true) break
    }
    expect(ids).toEqual([...ids].sort())
    expect(ids).toEqual(expect.arrayContaining(["tenant:mx|model:oa", "tenant:mx%7Cmodel%3Aoa"]))
    expect((await send("DELETE", `/gateway/limits/${encodeURIComponent("tenant:mx%7Cmodel%3Aoa")}`)).status).toBe(200)
    const after1 = await json(await send("GET", "/gateway/limits"))
    expect(JSON.stringify(after1["data"])).toContain('"requests":5')
    expect(JSON.stringify(after1["data"])).not.toContain("mx%7C")
  })
})

describe("key revocation with 2 worker threads", () => {
  it("refuses a revoked key on every thread within 1 s of the DELETE's answer", async () => {
    const { id, key } = await newKey("revoke")
    const calls: { readonly startedAt: number; readonly status: number }[] = []
    let stopAt = Number.POSITIVE_INFINITY
    // 8 clients in parallel: several connections, spread by Harper over both threads.
    const client = async () => {
      while (Date.now() < stopAt) {
        const startedAt = Date.now()
        const response = await chat(key)
        await response.arrayBuffer()
        calls.push({ startedAt, status: response.status })
      }
    }
    const clients = Array.from({ length: 8 }, client)
    await sleep(1_500) // every thread has the key cached by now
    expect(calls.filter((call) => call.status === 200).length).toBeGreaterThan(16)
    const revoked = await send("DELETE", `/gateway/keys/${id}`)
    const revokedAt = Date.now()
    expect(revoked.status).toBe(200)
    stopAt = revokedAt + 3_000
    await Promise.all(clients)
    const acceptedAfter = calls.filter((call) => call.startedAt >= revokedAt && call.status === 200)
    const delay = Math.max(0, ...acceptedAfter.map((call) => call.startedAt - revokedAt))
    console.log(`revoked key: ${acceptedAfter.length} calls accepted after the DELETE answered, the last started ${delay} ms after it; ${calls.filter((call) => call.startedAt >= revokedAt).length} calls sent after it`)
    const late = calls.filter((call) => call.startedAt >= revokedAt + 1_000)
    expect(late.length).toBeGreaterThan(16)
    expect(late.every((call) => call.status === 401)).toBe(true)
  }, 60_000)
})

describe("usage aggregates from rollups", () => {
  it("answer as folding the stored rows does, for whole-hour and ragged ranges and every grouping (2 worker threads)", async () => {
    const first = await newKey("rollup")
    const second = await newKey("rollup")
    const made = await Promise.all(Array.from({ length: 120 }, (_, i) => chat(i % 2 === 0 ? first.key : second.key, ["echo", "other", "nope"][i % 3]).then((r) => r.status)))
    expect(made.filter((status) => status === 200).length).toBe(80)
    const deadline = Date.now() + 30_000
    let stored: Record<string, unknown>[] = []
    while (Date.now() < deadline) {
      stored = await sql("SELECT * FROM gateway.hdb_model_calls WHERE tenant = 'rollup'")
      if (stored.length >= 120) break
      await sleep(200)
    }
    expect(stored.length).toBe(120)
    const rolled = await sql("SELECT * FROM gateway.gateway_usage_rollups WHERE tenant = 'rollup'")
    expect(rolled.reduce((sum, row) => sum + Number(row["calls"]), 0)).toBe(120)
    console.log(`rollups: ${rolled.length} rows for 120 calls, from ${new Set(rolled.map((row) => row["thread"])).size} worker threads`)
    const starts = await sql("SELECT since FROM gateway.gateway_usage_rollup_starts")
    expect(starts.map((row) => row["since"])).toEqual([0]) // a fresh node: every row is in the rollups
    const H = 3_600_000
    const now = Date.now()
    const ranges = [
      { from: Math.floor(now / H) * H - 24 * H, to: Math.ceil((now + 1) / H) * H - 1 }, // whole hours: all from the rollups
      { from: now - 5 * 86_400_000 + 12_345, to: now + 60_000 }, // ragged ends: the partial hours from rows
    ]
    for (const range of ranges)
      for (const grouping of ["hour", "day", "model", "key"] as const) {
        const answer = await json(await send("GET", `/v1/gateway/usage?group_by=${grouping}&from=${range.from}&to=${range.to}`, undefined, `Bearer ${first.key}`))
        const expected = await aggregateUsage(each(stored.filter((row) => Number(row["time"]) >= range.from && Number(row["time"]) <= range.to)), grouping)
        expect(answer["data"], `${grouping} ${JSON.stringify(range)}`).toEqual(expected)
      }
  }, 120_000)
})

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return Number(match?.[1] ?? 0) / 1024
}

/** Stores `count` accounting rows for a tenant through the operations API, spread over the last `days` days. */
async function seedRows(tenant: string, count: number, days: number, now: number): Promise<void> {
  const models = ["m-a", "m-b", "m-c"]
  for (let start = 0; start < count; start += 2_000) {
    const records = Array.from({ length: Math.min(2_000, count - start) }, (_, j) => {
      const i = start + j
      return {
        id: `${tenant}-seed-${i}`,
        time: now - Math.floor((i / count) * days * 86_400_000) - 1,
        tenant,
        outcome: i % 10 === 0 ? "upstream_error" : "success",
        logicalModel: models[i % 3],
        keyId: i % 2 === 0 ? "k1" : null,
        promptTokens: 10 + (i % 7),
        completionTokens: 5 + (i % 5),
        totalTokens: 15 + (i % 7) + (i % 5),
        cost_usd: 0.0001 * (i % 13),
        lastAttempt: i % 4 !== 0,
      }
    })
    const response = await fetch(harper.operationsUrl, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json" },
      body: JSON.stringify({ operation: "insert", database: "gateway", table: "hdb_model_calls", records }),
    })
    expect(response.status).toBe(200)
  }
}

describe("usage aggregates under load", () => {
  // Scaled down from the finding's 100,000-120,000 rows a tenant to 20,000 (1/5 to 1/6): each aggregate still takes long enough to overlap.
  const ROWS = 20_000
  it("answers 16 parallel aggregates of one tenant with at most its bound running, the rest 429 with retry-after, and RSS growth under 200 MB", async () => {
    const now = Date.now()
    await seedRows("heavy", ROWS, 20, now)
    // These rows bypassed the writer, like rows stored by an older version: a node whose rollups start now reads them row by row, the worst case.
    const legacy = await fetch(harper.operationsUrl, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json" },
      body: JSON.stringify({ operation: "upsert", database: "gateway", table: "gateway_usage_rollup_starts", records: [{ id: "upgraded-node", since: now + 1 }] }),
    })
    expect(legacy.status).toBe(200)
    const { key } = await newKey("heavy")
    const ask = () => send("GET", `/v1/gateway/usage?group_by=model&from=${now - 25 * 86_400_000}&to=${now}`, undefined, `Bearer ${key}`)
    const warm = await ask()
    expect(warm.status).toBe(200)
    const warmBody = await json(warm)
    const calls = (Array.isArray(warmBody["data"]) ? warmBody["data"] : []).reduce((sum: number, group: unknown) => sum + Number(typeof group === "object" && group !== null ? Reflect.get(group, "calls") : 0), 0)
    expect(calls).toBe(ROWS - ROWS / 4)
    const before = rssMb(harper.pid)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(harper.pid))), 50)
    const started = Date.now()
    const answers = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const response = await ask()
        return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.text() }
      }),
    )
    const seconds = (Date.now() - started) / 1_000
    clearInterval(sampler)
    const after = rssMb(harper.pid)
    const ok = answers.filter((answer) => answer.status === 200).length
    const busy = answers.filter((answer) => answer.status === 429)
    console.log(`16 parallel aggregates over ${ROWS} rows: ${ok} answered, ${busy.length} refused 429, in ${seconds.toFixed(1)} s; Harper RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB, ${after.toFixed(0)} MB after`)
    expect(ok + busy.length).toBe(16)
    expect(ok).toBeGreaterThanOrEqual(1)
    expect(busy.length).toBeGreaterThan(0)
    for (const answer of busy) {
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1)
      expect(answer.body).toContain("rate_limit_exceeded")
    }
    expect(peak - before).toBeLessThan(200)
    // The places are given back: the next aggregate runs.
    expect((await ask()).status).toBe(200)
    await fetch(harper.operationsUrl, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json" },
      body: JSON.stringify({ operation: "delete", database: "gateway", table: "gateway_usage_rollup_starts", ids: ["upgraded-node"] }),
    })
  }, 120_000)
})
