/**
 * `node packages/conformance/bench/profile-gateway.ts <chat|stream|embeddings> [seconds]`:
 * a V8 CPU profile of Harper's threads (`--cpu-prof`, one .cpuprofile per thread) while
 * the bench's load runs one scenario through the gateway, then the top self-time
 * functions of the busiest thread. For finding where the gateway's time goes; the bench
 * measures, this explains.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { startHarper } from "../../harper-resources/dev/harper-process.ts"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { runLoadClient, spawnReady } from "./bench-processes.ts"
import { BENCH_MODEL, scenarioBodies } from "./scenario-bodies.ts"

const here = dirname(fileURLToPath(import.meta.url))
const scenario = process.argv[2] ?? "chat"
const seconds = Number(process.argv[3] ?? 8)
const profileDir = process.env["PROFILE_DIR"] ?? mkdtempSync(join(tmpdir(), "gateway-profile-"))
const model = BENCH_MODEL
const bodies = scenarioBodies

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
}

async function runLoad(url: string, key: string, connections: number): Promise<string> {
  const selected = bodies[scenario]
  if (selected === undefined) throw new Error(`unknown scenario ${scenario}`)
  const spec = JSON.stringify({ url, path: selected.path, headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: selected.body, connections, durationMs: seconds * 1000 })
  return runLoadClient(spec)
}

function summarize(file: string, top: number): void {
  const profile: Profile = JSON.parse(readFileSync(file, "utf8"))
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  let busy = 0
  for (const sample of profile.samples) {
    const node = byId.get(sample)
    if (node === undefined) continue
    const name = node.callFrame.functionName || "(anonymous)"
    if (name === "(idle)" || name === "(program)" || name === "(garbage collector)") {
      if (name !== "(idle)") self.set(name, (self.get(name) ?? 0) + 1)
      if (name === "(idle)") continue
    } else {
      const where = `${name} ${node.callFrame.url.replace(/^.*\/(packages|node_modules)\//, "$1/")}:${node.callFrame.lineNumber + 1}`
      self.set(where, (self.get(where) ?? 0) + 1)
    }
    busy++
  }
  console.log(`\n${file}: ${busy} busy samples of ${profile.samples.length}`)
  for (const [where, count] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * count) / busy).toFixed(1).padStart(5)}%  ${where}`)
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "gateway-profile-root-"))
  const upstream = await spawnReady(join(here, "bench-upstream.ts"), [recordedDir])
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`
  const admin = { username: "admin", password: "profile-admin-pw" }
  const openai = (upstreamModel: string) => ({ backend: "openai", baseUrl: "${BENCH_UPSTREAM}/v1", apiKey: "sk-upstream", model: upstreamModel })
  const harper = await startHarper({
    root,
    admin,
    threads: Number(process.env["PROFILE_THREADS"] ?? 1),
    // PROFILE_OFF=1: the same load without the profiler, for figures the profiler would skew.
    env: { BENCH_UPSTREAM: upstreamUrl, ...(process.env["PROFILE_OFF"] === "1" ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }) },
    gatewayConfig: { models: { generative: { [model]: openai(model) }, embedding: { "text-embedding-3-small": openai("text-embedding-3-small") } } },
  })
  try {
    const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
    const created = await fetch(`${harper.url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user: "admin", tenant: "profile" }) })
    const body: unknown = await created.json()
    const key = typeof body === "object" && body !== null && "key" in body && typeof body.key === "string" ? body.key : ""
    console.log(await runLoad(harper.url, key, Number(process.env["PROFILE_CONNECTIONS"] ?? 32)))
  } finally {
    await harper.stop()
    upstream.child.kill()
  }
  const files = readdirSync(profileDir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => join(profileDir, name))
  const largest = files.sort((a, b) => statSync(b).size - statSync(a).size)
  for (const file of largest.slice(0, 2)) summarize(file, Number(process.env["PROFILE_TOP"] ?? 40))
  if (process.env["PROFILE_KEEP"] !== "1") rmSync(root, { recursive: true, force: true })
  else console.log("root", root)
}

await main()
