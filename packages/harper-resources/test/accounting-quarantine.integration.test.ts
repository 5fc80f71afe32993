import { createServer } from "node:http"
import { mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { expect, it } from "vitest"
import type { HarperInstance } from "../dev/harper-process.ts"
import { ownHarpers } from "./own-harpers.ts"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"
import { testRow } from "../../models/test/test-row.ts"

const admin = { username: "admin", password: "quarantine-pw" }
const { basic, newRoot, start, sql, afterTest } = ownHarpers({ admin, folderPrefix: "harper-gateway-quarantine-" })

/**
 * Polls the query until its rows satisfy `done` (or the time is up); returns the last rows
 * seen. Polled on the condition itself, not a count: a SELECT made while a batch commits
 * was seen to give some of its rows with null columns, right a moment later.
 */
async function waitFor(harper: HarperInstance, query: string, done: (rows: readonly Record<string, unknown>[]) => boolean, timeoutMs = 90_000): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs
  let rows: Record<string, unknown>[] = []
  while (Date.now() < deadline) {
    rows = await sql(harper, query)
    if (done(rows)) return rows
    await new Promise((r) => setTimeout(r, 250))
  }
  return rows
}

/** An OpenAI-compatible upstream whose every answer reports `prompt_tokens: 1e20` (and a total to match). */
async function hugeUsageUpstream(): Promise<string> {
  const server = createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" })
      response.end(
        `{"id":"c1","object":"chat.completion","created":1,"model":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1e20,"completion_tokens":2,"total_tokens":1e20}}`,
      )
    })
  })
  const listening = await listenOnLoopback(server)
  afterTest(() => listening.close())
  return listening.url
}

async function keyFor(harper: HarperInstance, tenant: string): Promise<string> {
  const response = await fetch(`${harper.url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user: "admin", tenant }) })
  const body: unknown = await response.json()
  const key = typeof body === "object" && body !== null ? Reflect.get(body, "key") : undefined
  if (typeof key !== "string") throw new Error(`no key: ${JSON.stringify(body)}`)
  return key
}

const chat = (harper: HarperInstance, key: string, model: string) =>
  fetch(`${harper.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] }) })

it("an upstream reporting prompt_tokens 1e20: the client gets integers, the row is stored estimated and flagged with the figure in usageRaw, and other tenants' rows after it are stored", async () => {
  const upstream = await hugeUsageUpstream()
  const root = newRoot()
  const models = { generative: { huge: { backend: "openai", baseUrl: `${upstream}/v1`, apiKey: "sk-test", model: "x" }, echo: { backend: "echo" } } }
  const harper = await start({ root, admin, gatewayConfig: { models, accounting: { flushIntervalMs: 200 } }, threads: 1 })
  const [evil, other] = [await keyFor(harper, "evil"), await keyFor(harper, "other")]
  const answer = await chat(harper, evil, "huge")
  expect(answer.status).toBe(200)
  const body: unknown = await answer.json()
  const usage: unknown = typeof body === "object" && body !== null ? Reflect.get(body, "usage") : undefined
  for (const field of ["prompt_tokens", "completion_tokens", "total_tokens"]) {
    const value: unknown = typeof usage === "object" && usage !== null ? Reflect.get(usage, field) : undefined
    expect(Number.isSafeInteger(value) && typeof value === "number" && value >= 0 && value <= 2_147_483_647, `${field}: ${String(value)}`).toBe(true)
  }
  for (let i = 0; i < 5; i++) expect((await chat(harper, other, "echo")).status).toBe(200)
  const others = (rows: readonly Record<string, unknown>[]) => rows.filter((row) => row["tenant"] === "other" && row["logicalModel"] === "echo")
  const rows = await waitFor(
    harper,
    "SELECT tenant, logicalModel, promptTokens, completionTokens, tokensEstimated, usageRaw FROM gateway.hdb_model_calls",
    (seen) => others(seen).length === 5 && seen.some((row) => row["tenant"] === "evil" && row["usageRaw"] != null),
  )
  expect(others(rows), JSON.stringify(rows)).toHaveLength(5)
  const [huge] = rows.filter((row) => row["tenant"] === "evil")
  expect(huge?.["promptTokens"] ?? null).not.toBe(1e20)
  expect(Reflect.get(Object(huge?.["usageRaw"]), "prompt_tokens")).toBe(1e20)
  // Never free: the untrusted prompt count is replaced by the estimate of the request's prompt, and flagged.
  expect(huge?.["tokensEstimated"]).toBe(true)
  expect(huge?.["promptTokens"]).toBeGreaterThan(0)
  expect(huge?.["completionTokens"]).toBe(2)
}, 180_000)

it("a journalled row with a token count no Int column holds is quarantined at the next start, and the rows around it (other tenants') are stored", async () => {
  const root = newRoot()
  const journalDir = join(root, "hdb", "gateway-accounting")
  // A leftover of an earlier run (as a gateway without the usage check journalled it): good rows of two tenants around one huge count.
  const rows = [
    ...Array.from({ length: 10 }, (_, i) => testRow(`before-${i}`, { tenant: "acme", time: 1_700_000_000_000 + i })),
    testRow("huge", { tenant: "evil", promptTokens: 1e20, totalTokens: 1e20, prompt_tokens: 1e20, time: 1_700_000_000_100 }),
    ...Array.from({ length: 10 }, (_, i) => testRow(`after-${i}`, { tenant: "other", time: 1_700_000_000_200 + i })),
  ]
  mkdirSync(join(journalDir, "an-earlier-run.1"), { recursive: true })
  writeFileSync(join(journalDir, "an-earlier-run.1", "1700000000000-000000.jsonl"), `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`)
  // Batches of 4: the huge row shares its batch with rows of both other tenants.
  const harper = await start({ root, admin, gatewayConfig: { accounting: { flushIntervalMs: 200, maxBatch: 4 } }, threads: 1 })
  const expected = rows
    .filter((row) => row.id !== "huge")
    .map((row) => `${row.id} ${row.tenant}`)
    .sort()
  const idsOf = (seen: readonly Record<string, unknown>[]) => seen.map((row) => `${String(row["id"])} ${String(row["tenant"])}`).sort()
  const stored = await waitFor(harper, "SELECT id, tenant FROM gateway.hdb_model_calls", (seen) => JSON.stringify(idsOf(seen)) === JSON.stringify(expected))
  expect(idsOf(stored)).toEqual(expected)
  const quarantined = await waitFor(harper, "SELECT * FROM gateway.gateway_quarantine", (seen) => seen.length >= 1 && seen.every((row) => row["reason"] != null))
  expect(quarantined.map((row) => [row["id"], row["tenant"]])).toEqual([["huge", "evil"]])
  expect(String(quarantined[0]?.["reason"])).toContain("promptTokens is 100000000000000000000")
  expect(Reflect.get(Object(quarantined[0]?.["row"]), "promptTokens")).toBe(1e20)
  // The folder is gone: the replay finished instead of retrying for ever.
  const deadline = Date.now() + 10_000
  const claims = () => readdirSync(journalDir).filter((name) => name.includes("an-earlier-run") || name.includes(".claim-"))
  while (Date.now() < deadline && claims().length > 0) await new Promise((r) => setTimeout(r, 200))
  expect(claims()).toEqual([])
}, 180_000)

it("rows replayed again at a later start (a retained segment, already stored) are counted once in the usage rollups", async () => {
  const root = newRoot()
  const journalDir = join(root, "hdb", "gateway-accounting")
  const rows = Array.from({ length: 10 }, (_, i) => testRow(`again-${i}`, { tenant: "acme", time: 1_700_000_000_000 + i, promptTokens: 3, completionTokens: 4, totalTokens: 7 }))
  const leftover = (folder: string) => {
    mkdirSync(join(journalDir, folder), { recursive: true })
    writeFileSync(join(journalDir, folder, "1700000000000-000000.jsonl"), `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`)
  }
  const gatewayConfig = { accounting: { flushIntervalMs: 200, maxBatch: 4 } }
  const replayed = async (harper: HarperInstance, folder: string) => {
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline && readdirSync(journalDir).some((name) => name.includes(folder))) await new Promise((r) => setTimeout(r, 200))
    expect(readdirSync(journalDir).filter((name) => name.includes(folder))).toEqual([])
    return waitFor(harper, "SELECT id FROM gateway.hdb_model_calls WHERE tenant = 'acme'", (seen) => seen.length === rows.length)
  }
  leftover("first-run.1")
  const first = await start({ root, admin, gatewayConfig, threads: 1 })
  expect(await replayed(first, "first-run")).toHaveLength(rows.length)
  await first.stop()
  // The same rows left again, as a segment a replay stored and could not remove, or one re-read after an overflow.
  leftover("second-run.1")
  const second = await start({ root, admin, gatewayConfig, threads: 1 })
  expect(await replayed(second, "second-run")).toHaveLength(rows.length)
  const rollups = await sql(second, "SELECT calls, totalTokens FROM gateway.gateway_usage_rollups WHERE tenant = 'acme'")
  const sum = (column: string) => rollups.reduce((total, row) => total + Number(row[column]), 0)
  expect({ calls: sum("calls"), tokens: sum("totalTokens") }).toEqual({ calls: rows.length, tokens: 7 * rows.length })
}, 240_000)
