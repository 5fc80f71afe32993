import { spawnSync } from "node:child_process"
import { createServer } from "node:http"
import { mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { expect, it } from "vitest"
import type { HarperInstance } from "../dev/harper-process.ts"
import { ownHarpers } from "./own-harpers.ts"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"

const admin = { username: "admin", password: "durability-pw" }
const { basic, newRoot, start, sql, afterTest } = ownHarpers({ admin, folderPrefix: "harper-gateway-durability-" })

async function countRows(harper: HarperInstance, where = ""): Promise<number> {
  const [row] = await sql(harper, `SELECT COUNT(*) AS n FROM gateway.hdb_model_calls ${where}`)
  return typeof row?.["n"] === "number" ? row["n"] : -1
}

/** Polls until `count` rows exist (or the time is up), then returns the count seen. */
async function waitForRows(harper: HarperInstance, count: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let seen = -1
  while (Date.now() < deadline) {
    seen = await countRows(harper)
    if (seen >= count) return seen
    await new Promise((r) => setTimeout(r, 200))
  }
  return seen
}

const chat = (harper: HarperInstance, model: string, stream: boolean, content: string) =>
  fetch(`${harper.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: basic, "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content }] }),
  })

it("keeps every accounting row when Harper is stopped in the middle of a burst, and stores them at the next start", async () => {
  const root = newRoot()
  const journalDir = join(root, "hdb", "gateway-accounting")
  // A flush interval far longer than the test: only the journal can save these rows.
  const gatewayConfig = { accounting: { flushIntervalMs: 600_000 } }
  const harper = await start({ root, admin, gatewayConfig, threads: 2 })
  const calls = 300
  const answered = await Promise.all(
    Array.from({ length: calls }, (_, i) =>
      chat(harper, "default", i % 2 === 0, `call ${i}`).then(async (response) => {
        await response.text()
        return response.status
      }),
    ),
  )
  expect(answered.every((status) => status === 200)).toBe(true)
  await harper.stop() // SIGTERM: Harper 4.7 exits at once, with rows still buffered
  const leftBehind = readdirSync(journalDir)
  expect(leftBehind.length).toBeGreaterThan(0)
  const restarted = await start({ root, admin, gatewayConfig, threads: 2 })
  const count = await waitForRows(restarted, calls)
  console.log(`rows after an immediate stop and a restart: ${count} of ${calls}`)
  expect(count).toBe(calls)
  // The stopped run's folders were claimed, stored and removed.
  expect(readdirSync(journalDir).filter((name) => leftBehind.includes(name))).toEqual([])
}, 180_000)

it("leaves one interrupted row per call in flight at a kill -9, and the calls that ended before it as they were", async () => {
  const { hang, received } = await hangingUpstream()
  const root = newRoot()
  // $1 a token: an interrupted row's cost says how many tokens it was billed for.
  const price = { inputPerMTok: 1_000_000, outputPerMTok: 1_000_000 }
  const gatewayConfig = {
    models: { generative: { echo: { backend: "echo" }, hang: { ...hang, price } }, embedding: { "hang-embed": { ...hang, price } } },
    accounting: { flushIntervalMs: 200 },
  }
  const harper = await start({ root, admin, gatewayConfig, threads: 2 })
  const completed = 20
  for (let i = 0; i < completed; i++) {
    const response = await chat(harper, "echo", i % 2 === 0, `finished call ${i}`)
    await response.text()
    expect(response.status).toBe(200)
  }
  expect(await waitForRows(harper, completed)).toBe(completed)
  const columns = "id, outcome, status, stream, promptTokens, completionTokens, latencyMs, ttftMs"
  const before = await sql(harper, `SELECT ${columns} FROM gateway.hdb_model_calls ORDER BY id`)

  const inFlight = 16
  const pending = Array.from({ length: inFlight }, (_, i) =>
    i < 12
      ? chat(harper, "hang", i % 2 === 0, `in flight ${i}`).catch(() => "cut")
      : fetch(`${harper.url}/v1/embeddings`, {
          method: "POST",
          headers: { authorization: basic, "content-type": "application/json" },
          body: JSON.stringify({ model: "hang-embed", input: `in flight ${i}` }),
        }).catch(() => "cut"),
  )
  const deadline = Date.now() + 30_000
  while (received() < inFlight && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  expect(received()).toBe(inFlight)
  await harper.kill()
  await Promise.all(pending)

  const restarted = await start({ root, admin, gatewayConfig, threads: 2 })
  const count = await waitForRows(restarted, completed + inFlight)
  await new Promise((r) => setTimeout(r, 1_500)) // anything replayed twice or late would show now
  const total = await countRows(restarted)
  const interruptedCount = await countRows(restarted, "WHERE outcome = 'interrupted'")
  console.log(`after kill -9 with ${inFlight} calls in flight: ${interruptedCount} interrupted rows of ${inFlight} expected; ${total} rows in all of ${completed + inFlight} (first count seen ${count})`)
  expect(total).toBe(completed + inFlight)
  expect(interruptedCount).toBe(inFlight)
  const after = await sql(restarted, `SELECT ${columns} FROM gateway.hdb_model_calls WHERE outcome <> 'interrupted' ORDER BY id`)
  expect(after).toEqual(before)
  const interrupted = await sql(
    restarted,
    "SELECT logicalModel, backend, method, outcome, status, latencyMs, success, error_code, promptTokens, completionTokens, totalTokens, tokensEstimated, cost_usd, costEstimated FROM gateway.hdb_model_calls WHERE outcome = 'interrupted'",
  )
  const methods = interrupted.map((row) => row["method"]).sort()
  expect(methods).toEqual([...Array(4).fill("embed"), ...Array(6).fill("generate"), ...Array(6).fill("generateStream")])
  for (const row of interrupted) {
    expect(row).toMatchObject({ backend: "openai", outcome: "interrupted", status: null, latencyMs: null, success: false, error_code: "interrupted" })
    expect(["hang", "hang-embed"]).toContain(row["logicalModel"])
    // Billed at least at the call's estimate, as its started line said: the prompt, and for chat the completion it may use (1,024 by default).
    expect(row).toMatchObject({ tokensEstimated: true, costEstimated: true, completionTokens: row["method"] === "embed" ? 0 : 1_024 })
    expect(Number(row["promptTokens"])).toBeGreaterThan(0)
    expect(Number(row["cost_usd"])).toBeCloseTo(Number(row["totalTokens"]), 6)
  }
}, 240_000)

it("replays leftovers named with the new process's own pid (Harper as PID 1, restarted)", async () => {
  const root = newRoot()
  const journalDir = join(root, "hdb", "gateway-accounting")
  const planted = 40
  const ids = Array.from({ length: planted }, (_, i) => `pid-reuse-${i}`)
  // Rows in the layout of the gateway before run ids, written by "an earlier process" whose
  // pid is the one Harper gets now: planted the moment Harper is spawned, before it loads the plugin.
  const plant = (pid: number) => {
    mkdirSync(journalDir, { recursive: true })
    for (const [thread, slice] of [ids.slice(0, 25), ids.slice(25)].entries()) {
      const lines = slice.map((id) => JSON.stringify(legacyRow(id)))
      writeFileSync(join(journalDir, `${pid}-${thread + 1}-1700000000000-0.jsonl`), `${lines.join("\n")}\n`)
    }
  }
  let harperPid = -1
  const harper = await start({
    root,
    admin,
    gatewayConfig: { accounting: { flushIntervalMs: 200 } },
    threads: 2,
    onSpawn: (pid) => {
      harperPid = pid
      plant(pid)
    },
  })
  const count = await waitForRows(harper, planted)
  console.log(`rows stored from leftovers named with Harper's own pid (${harperPid}): ${count} of ${planted}`)
  expect(count).toBe(planted)
  const rows = await sql(harper, "SELECT id, method, success, model FROM gateway.hdb_model_calls")
  expect(rows.map((row) => row["id"]).sort()).toEqual([...ids].sort())
  expect(rows.every((row) => row["method"] === "generate" && row["success"] === true && row["model"] === "m")).toBe(true)
  expect(readdirSync(journalDir).filter((name) => name.startsWith(`${harperPid}-`))).toEqual([])
}, 180_000)

/** A row as the gateway journalled it before Harper 5's columns existed. */
function legacyRow(id: string): Record<string, unknown> {
  return {
    id,
    time: 1_700_000_000_000,
    tenant: "admin",
    user: "admin",
    endpoint: "chat.completions",
    logicalModel: "m",
    backend: "echo",
    upstreamModel: "m",
    stream: false,
    promptTokens: 2,
    completionTokens: 2,
    totalTokens: 4,
    cachedTokens: null,
    reasoningTokens: null,
    tokensEstimated: false,
    latencyMs: 1.5,
    ttftMs: 1,
    outcome: "success",
    errorCode: null,
    status: 200,
  }
}

/** An upstream that takes every request and never answers: calls stay in flight until Harper dies. `received()` counts them. */
async function hangingUpstream() {
  let count = 0
  const hanging = await listenOnLoopback(
    createServer((request) => {
      count++
      request.resume()
    }),
  )
  afterTest(() => hanging.close())
  const hang = { backend: "openai", baseUrl: `${hanging.url}/v1`, apiKey: "sk-test-hanging", model: "never-answers", timeouts: { firstByteMs: 600_000, idleMs: 600_000 } }
  return { hang, received: () => count }
}

/** Whether this machine lets us run a process as PID 1 of its own PID namespace (Linux, root). */
function canRunAsPid1(): boolean {
  return spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"], { stdio: "ignore" }).status === 0
}

it.skipIf(!canRunAsPid1())(
  "stores every journalled row and an interrupted row per call in flight when Harper runs as PID 1 and is killed (kill -9) twice",
  async () => {
    const { hang, received } = await hangingUpstream()
    const root = newRoot()
    // A flush interval far longer than the test: only the journal holds these rows.
    const gatewayConfig = { models: { generative: { echo: { backend: "echo" }, hang } }, accounting: { flushIntervalMs: 600_000 } }
    let expected = 0
    let inFlightTotal = 0
    for (const round of [1, 2]) {
      const harper = await start({ root, admin, gatewayConfig, threads: 2, asPid1: true })
      const burst = 100
      const statuses = await Promise.all(Array.from({ length: burst }, (_, i) => chat(harper, "echo", i % 2 === 0, `round ${round} call ${i}`).then(async (response) => (await response.text(), response.status))))
      expect(statuses.every((status) => status === 200)).toBe(true)
      const inFlight = 8
      const receivedBefore = received()
      const pending = Array.from({ length: inFlight }, (_, i) => chat(harper, "hang", i % 2 === 0, `round ${round} in flight ${i}`).catch(() => "cut"))
      const deadline = Date.now() + 30_000
      while (received() < receivedBefore + inFlight && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(received()).toBe(receivedBefore + inFlight)
      await harper.kill()
      await Promise.all(pending)
      expected += burst + inFlight
      inFlightTotal += inFlight
    }
    const last = await start({ root, admin, gatewayConfig, threads: 2, asPid1: true })
    const count = await waitForRows(last, expected)
    await new Promise((r) => setTimeout(r, 1_500))
    const total = await countRows(last)
    const interrupted = await countRows(last, "WHERE outcome = 'interrupted'")
    console.log(`Harper as PID 1, kill -9 twice: ${total} rows of ${expected} (first count seen ${count}), ${interrupted} interrupted of ${inFlightTotal}`)
    expect(total).toBe(expected)
    expect(interrupted).toBe(inFlightTotal)
    const byQuery = await sql(last, "SELECT * FROM gateway.hdb_model_calls WHERE backend = 'openai' AND method = 'generate'")
    expect(byQuery.length).toBe(inFlightTotal / 2)
    expect(byQuery.every((row) => row["outcome"] === "interrupted" && row["model"] === "hang")).toBe(true)
  },
  300_000,
)
