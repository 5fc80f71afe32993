/**
 * `node packages/conformance/bench/ab-gateway.ts <checkout A> <checkout B> [chat|stream|embeddings] [rounds] [seconds] [connections]`:
 * an A/B of two checkouts of this repository (say main and a branch in a git worktree,
 * each installed). One Harper per checkout, the bench's upstream shared, the load run
 * against A and B in turn (the order alternating each round) after a warm-up, and each
 * Harper's CPU per request compared round by round: on a noisy machine only a ratio
 * measured back to back says whether a change gained anything.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { runLoadClient, spawnReady } from "./bench-processes.ts"
import { BENCH_MODEL, scenarioBodies } from "./scenario-bodies.ts"

const [checkoutA = ".", checkoutB = ".", scenario = "chat", roundsArg = "7", secondsArg = "4", connectionsArg = "32"] = process.argv.slice(2)
const rounds = Number(roundsArg)
const seconds = Number(secondsArg)
const connections = Number(connectionsArg)
const CLK_TCK = 100
const model = BENCH_MODEL
const bodies = scenarioBodies

interface Target {
  readonly name: string
  readonly url: string
  readonly key: string
  readonly pid: number
  readonly root: string
  readonly stop: () => Promise<void>
  readonly cpuMsPerRequest: number[]
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

function numberField(value: unknown, key: string): number {
  const field: unknown = typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined
  return typeof field === "number" ? field : 0
}

async function startTarget(name: string, checkout: string, upstreamUrl: string): Promise<Target> {
  const harperProcess: unknown = await import(pathToFileURL(join(resolve(checkout), "packages/harper-resources/dev/harper-process.ts")).href)
  const startHarper: unknown = typeof harperProcess === "object" && harperProcess !== null ? Reflect.get(harperProcess, "startHarper") : undefined
  if (typeof startHarper !== "function") throw new Error(`${checkout} has no startHarper`)
  const root = mkdtempSync(join(tmpdir(), `ab-${name}-`))
  const admin = { username: "admin", password: "ab-admin-pw" }
  const openai = (upstreamModel: string) => ({ backend: "openai", baseUrl: "${BENCH_UPSTREAM}/v1", apiKey: "sk-upstream", model: upstreamModel })
  const harper: unknown = await startHarper({
    root,
    admin,
    threads: Number(process.env["AB_THREADS"] ?? 2),
    env: { BENCH_UPSTREAM: upstreamUrl },
    gatewayConfig: { models: { generative: { [model]: openai(model) }, embedding: { "text-embedding-3-small": openai("text-embedding-3-small") } } },
  })
  const url: unknown = typeof harper === "object" && harper !== null ? Reflect.get(harper, "url") : undefined
  const pid: unknown = typeof harper === "object" && harper !== null ? Reflect.get(harper, "pid") : undefined
  const stop: unknown = typeof harper === "object" && harper !== null ? Reflect.get(harper, "stop") : undefined
  if (typeof url !== "string" || typeof pid !== "number" || typeof stop !== "function") throw new Error("startHarper answered something else")
  const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
  const created = await fetch(`${url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user: "admin", tenant: "ab" }) })
  const body: unknown = await created.json()
  const key: unknown = typeof body === "object" && body !== null ? Reflect.get(body, "key") : undefined
  if (typeof key !== "string") throw new Error(`no key from ${name}`)
  return { name, url, key, pid, root, stop: async () => void (await Reflect.apply(stop, harper, [])), cpuMsPerRequest: [] }
}

async function load(target: Target, durationMs: number): Promise<{ readonly requests: number; readonly errors: number; readonly cpuSeconds: number }> {
  const selected = bodies[scenario]
  if (selected === undefined) throw new Error(`unknown scenario ${scenario}`)
  const before = cpuSeconds(target.pid)
  const spec = { url: target.url, path: selected.path, headers: { "content-type": "application/json", authorization: `Bearer ${target.key}` }, body: selected.body, connections, durationMs }
  const result: unknown = JSON.parse(await runLoadClient(JSON.stringify(spec)))
  return { requests: numberField(result, "requests"), errors: numberField(result, "errors"), cpuSeconds: cpuSeconds(target.pid) - before }
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

const upstream = await spawnReady(join(import.meta.dirname, "bench-upstream.ts"), [recordedDir])
const targets: Target[] = []
try {
  targets.push(await startTarget("A", checkoutA, `http://127.0.0.1:${upstream.port}`))
  targets.push(await startTarget("B", checkoutB, `http://127.0.0.1:${upstream.port}`))
  for (const target of targets) await load(target, 3_000)
  for (let round = 0; round < rounds; round++) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const { requests, errors, cpuSeconds: used } = await load(target, seconds * 1000)
      if (errors > 0) console.log(`${target.name}: ${errors} errors in round ${round + 1}`)
      target.cpuMsPerRequest.push((used * 1000) / Math.max(1, requests))
    }
  }
  for (const target of targets) console.log(`${target.name}: ${median(target.cpuMsPerRequest).toFixed(3)} CPU ms/req (rounds ${target.cpuMsPerRequest.map((value) => value.toFixed(3)).join(", ")})`)
  const [a, b] = targets
  if (a !== undefined && b !== undefined) {
    const ratios = b.cpuMsPerRequest.map((value, i) => value / (a.cpuMsPerRequest[i] ?? Number.NaN))
    console.log(`B/A CPU per request, per round: ${ratios.map((value) => value.toFixed(3)).join(", ")}; median ${median(ratios).toFixed(3)}`)
  }
} finally {
  for (const target of targets) {
    await target.stop()
    rmSync(target.root, { recursive: true, force: true })
  }
  upstream.child.kill()
}
