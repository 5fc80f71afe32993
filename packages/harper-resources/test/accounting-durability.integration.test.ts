import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, expect, it } from "vitest"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"

const admin = { username: "admin", password: "durability-pw" }
const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
const root = mkdtempSync(join(tmpdir(), "harper-gateway-durability-"))
// A flush interval far longer than the test: only the journal can save these rows.
const gatewayConfig = { accounting: { flushIntervalMs: 600_000 } }
const journalDir = join(root, "hdb", "gateway-accounting")
let harper: HarperInstance | undefined

afterAll(async () => {
  await harper?.stop()
  rmSync(root, { recursive: true, force: true })
}, 60_000)

it("keeps every accounting row when Harper is stopped in the middle of a burst, and stores them at the next start", async () => {
  harper = await startHarper({ root, admin, gatewayConfig, threads: 2 })
  const calls = 300
  const answered = await Promise.all(
    Array.from({ length: calls }, (_, i) =>
      fetch(`${harper?.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/json" },
        body: JSON.stringify({ model: "default", stream: i % 2 === 0, messages: [{ role: "user", content: `call ${i}` }] }),
      }).then(async (response) => {
        await response.text()
        return response.status
      }),
    ),
  )
  expect(answered.every((status) => status === 200)).toBe(true)
  await harper.stop() // SIGTERM: Harper 4.7 exits at once, with rows still buffered
  const leftBehind = readdirSync(journalDir)
  expect(leftBehind.length).toBeGreaterThan(0)
  const restarted = await startHarper({ root, admin, gatewayConfig, threads: 2 })
  harper = restarted
  let count = -1
  for (let i = 0; i < 50 && count !== calls; i++) {
    const response = await fetch(restarted.operationsUrl, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json" },
      body: JSON.stringify({ operation: "sql", sql: "SELECT COUNT(*) AS n FROM gateway.hdb_model_calls" }),
    })
    const rows: unknown = await response.json()
    count = Array.isArray(rows) && typeof rows[0]?.n === "number" ? rows[0].n : -1
    if (count !== calls) await new Promise((r) => setTimeout(r, 100))
  }
  console.log(`rows after an immediate stop and a restart: ${count} of ${calls}`)
  expect(count).toBe(calls)
  // The stopped run's folders were claimed, stored and removed.
  expect(readdirSync(journalDir).filter((name) => leftBehind.includes(name))).toEqual([])
}, 180_000)
