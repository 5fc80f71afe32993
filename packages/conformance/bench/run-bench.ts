/**
 * `pnpm bench`: the gateway's overhead, honestly, on one machine in one run.
 * Targets: the fake upstream direct (the floor), a bare node:http byte-forwarding
 * proxy (the limit for any JS gateway), the gateway in Harper (openai backend, auth and
 * accounting on), a trivial Harper Resource (Harper's own pipeline), and Portkey's
 * open-source gateway, all against the same upstream. Scenarios: non-stream chat,
 * streamed chat (a recorded 302-event stream with its usage chunk), embeddings (16
 * inputs, base64), at concurrency 1 and 32. Then 1,000 concurrent long streams
 * through the gateway. Prints a table and writes docs/benchmarks.md and .svg.
 * The machine is noisy: after one warm-up each, the targets run interleaved (A, B, C,
 * A, B, C, …) for `BENCH_ROUNDS` rounds (default 3); each figure is the median of its
 * rounds, with the spread of req/s and CPU ms/req beside it.
 * `--smoke`: 0.8 s rounds, c=1, no Portkey, 50 long streams; it writes
 * nothing but prints the gateway's CPU per request against the trivial Harper Resource,
 * which the smoke test compares with the committed figure in docs/benchmarks.json.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startHarper } from "../../harper-resources/dev/harper-process.ts"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { runLoadClient, spawnReady } from "./bench-processes.ts"
import { describeMachine, machineFacts, stealMeter, type MachineFacts } from "./machine-facts.ts"

const here = dirname(fileURLToPath(import.meta.url))
const smoke = process.argv.includes("--smoke")
const durationMs = smoke ? 800 : Number(process.env["BENCH_SECONDS"] ?? 5) * 1000
const concurrencies = smoke ? [1] : [1, 32]
const longStreams = smoke ? 50 : 1000
const PROFILE_HEADING = "## What the profile showed"
// The smoke run keeps three rounds too: its regression guard is a ratio, and one short round on a busy machine is noise.
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
/** Harper's own default on this 2-core machine is 2 worker threads; BENCH_HARPER_THREADS=1 compares one core with one core. */
const harperThreads = Number(process.env["BENCH_HARPER_THREADS"] ?? 2)
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100

interface Service {
  readonly name: string
  readonly url: string
  readonly pid: number
  readonly headers: Record<string, string>
  readonly paths: { readonly chat: string; readonly embeddings: string; readonly responses?: string }
  /** Only the non-stream chat scenario applies (the trivial Harper Resource). */
  readonly chatOnly?: boolean
  readonly stop: () => Promise<void>
}

interface Result {
  readonly target: string
  /** Every round's req/s and CPU ms/req, for the spread. */
  readonly rpsRounds: readonly number[]
  readonly cpuRounds: readonly number[]
  readonly scenario: string
  readonly concurrency: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly ttfbP50: number
  readonly cpuMsPerRequest: number
  readonly peakRssMb: number
  readonly errors: number
}

const started: ChildProcess[] = []
/** A bench helper, stopped with the others at the end. */
const spawnTracked = (script: string, args: readonly string[], env: Record<string, string> = {}) => spawnReady(script, args, env, (child) => started.push(child))

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return Number(match?.[1] ?? 0) / 1024
  } catch {
    return 0 // the process has gone; the run reports its errors
  }
}

async function load(service: Service, path: string, body: string, connections: number, total?: number) {
  const cpuBefore = cpuSeconds(service.pid)
  let peak = rssMb(service.pid)
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(service.pid))
  }, 100)
  const spec = JSON.stringify({ url: service.url, path, headers: { "content-type": "application/json", ...service.headers }, body, connections, durationMs, ...(total === undefined ? {} : { total }) })
  const output = await runLoadClient(spec)
  clearInterval(sampler)
  const cpu = cpuSeconds(service.pid) - cpuBefore
  const stats: { requests: number; errors: number; incomplete: number; rps: number; p50: number; p99: number; ttfbP50: number } = JSON.parse(output)
  return { ...stats, cpuMsPerRequest: (cpu * 1000) / Math.max(1, stats.requests), peakRssMb: peak }
}

const model = "gpt-4.1-nano"
const bodies = {
  chat: JSON.stringify({ model, messages: [{ role: "user", content: "Invent a holiday" }] }),
  stream: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Invent a holiday" }] }),
  embeddings: JSON.stringify({ model: "text-embedding-3-small", input: Array.from({ length: 16 }, (_, i) => `document number ${i}`), encoding_format: "base64" }),
  /** The Responses endpoint (gateway only: it serves it on the same chat upstream), not stored. */
  responses: JSON.stringify({ model, input: "Invent a holiday", store: false }),
}

function pathOf(service: Service, scenario: string): string | undefined {
  switch (scenario) {
    case "embeddings":
      return service.paths.embeddings
    case "responses":
      return service.paths.responses
    default:
      return service.paths.chat
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2
}

async function main(): Promise<void> {
  // Sampled before anything of ours runs: whether the machine was the bench's alone.
  const before = await machineFacts(resolve(here, "..", "..", ".."))
  console.log(describeMachine(before))
  const stolen = stealMeter()
  const root = mkdtempSync(join(tmpdir(), "harper-gateway-bench-"))
  const services: Service[] = []
  try {
    const upstream = await spawnTracked(join(here, "bench-upstream.ts"), [recordedDir])
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`
    const stopChild = (child: ChildProcess) => async () => void child.kill()
    const openaiPaths = { chat: "/v1/chat/completions", embeddings: "/v1/embeddings" }
    services.push({ name: "upstream (direct)", url: upstreamUrl, pid: upstream.child.pid ?? 0, headers: { authorization: "Bearer sk-upstream" }, paths: openaiPaths, stop: stopChild(upstream.child) })

    const proxy = await spawnTracked(join(here, "bare-proxy.ts"), [upstreamUrl])
    services.push({ name: "bare node:http proxy", url: `http://127.0.0.1:${proxy.port}`, pid: proxy.child.pid ?? 0, headers: { authorization: "Bearer sk-upstream" }, paths: openaiPaths, stop: stopChild(proxy.child) })

    const admin = { username: "admin", password: "bench-admin-pw" }
    const harper = await startHarper({
      root,
      admin,
      threads: harperThreads,
      env: { BENCH_UPSTREAM: upstreamUrl },
      gatewayConfig: {
        models: {
          generative: { [model]: { backend: "openai", baseUrl: "${BENCH_UPSTREAM}/v1", apiKey: "sk-upstream", model }, "slow-stream": { backend: "openai", baseUrl: "${BENCH_UPSTREAM}/v1", apiKey: "sk-upstream", model: "slow-stream" } },
          embedding: { "text-embedding-3-small": { backend: "openai", baseUrl: "${BENCH_UPSTREAM}/v1", apiKey: "sk-upstream", model: "text-embedding-3-small" } },
        },
        benchmarkFloor: true,
      },
    })
    const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
    const created = await fetch(`${harper.url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user: "admin", tenant: "bench" }) })
    const createdBody: unknown = await created.json()
    const key = typeof createdBody === "object" && createdBody !== null && "key" in createdBody && typeof createdBody.key === "string" ? createdBody.key : ""
    services.push({ name: "gateway in Harper", url: harper.url, pid: harper.pid, headers: { authorization: `Bearer ${key}` }, paths: { ...openaiPaths, responses: "/v1/responses" }, stop: () => harper.stop() })
    services.push({ name: "trivial Harper Resource", url: harper.url, pid: harper.pid, headers: {}, paths: { chat: "/bench/floor", embeddings: "" }, chatOnly: true, stop: async () => undefined })
    // The limited path: a key under a request, token, concurrency and budget limit that never refuses, so only its cost shows.
    const limitedKey = await fetch(`${harper.url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user: "admin", tenant: "bench-limited" }) })
    const limited: unknown = await limitedKey.json()
    const limitedId = typeof limited === "object" && limited !== null && "id" in limited && typeof limited.id === "string" ? limited.id : ""
    const limitedSecret = typeof limited === "object" && limited !== null && "key" in limited && typeof limited.key === "string" ? limited.key : ""
    const limit = await fetch(`${harper.url}/gateway/limits`, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json" },
      body: JSON.stringify({ key: limitedId, requests: 2_000_000_000, tokens: 2_000_000_000, concurrent: 1_000_000, budgetUsd: 1_000_000_000, budgetPeriod: "day" }),
    })
    if (limit.status >= 300) throw new Error(`could not set the bench limit: ${limit.status} ${await limit.text()}`)
    services.push({ name: "gateway, limited key", url: harper.url, pid: harper.pid, headers: { authorization: `Bearer ${limitedSecret}` }, paths: openaiPaths, chatOnly: true, stop: async () => undefined })

    if (!smoke) {
      const portkey = await startPortkey()
      services.push({
        name: "Portkey 1.15.2",
        url: `http://127.0.0.1:${portkey.port}`,
        pid: portkey.child.pid ?? 0,
        headers: { authorization: "Bearer sk-upstream", "x-portkey-provider": "openai", "x-portkey-custom-host": `${upstreamUrl}/v1` },
        paths: openaiPaths,
        stop: stopChild(portkey.child),
      })
    }

    const results: Result[] = []
    for (const [scenario, body] of Object.entries(bodies)) {
      for (const concurrency of concurrencies) {
        const runs = services.flatMap((service) => {
          if (service.chatOnly === true && scenario !== "chat") return []
          const path = pathOf(service, scenario)
          return path === undefined || path === "" ? [] : [{ service, path, measured: [] as Awaited<ReturnType<typeof load>>[] }]
        })
        for (const run of runs) await load(run.service, run.path, body, concurrency) // warm-up, discarded
        for (let round = 0; round < rounds; round++) {
          for (const run of runs) run.measured.push(await load(run.service, run.path, body, concurrency))
        }
        for (const { service, measured } of runs) {
          const pick = (metric: (m: (typeof measured)[number]) => number) => median(measured.map(metric))
          const result: Result = {
            target: service.name,
            scenario,
            concurrency,
            rpsRounds: measured.map((m) => m.rps),
            cpuRounds: measured.map((m) => m.cpuMsPerRequest),
            rps: pick((m) => m.rps),
            p50: pick((m) => m.p50),
            p99: pick((m) => m.p99),
            ttfbP50: pick((m) => m.ttfbP50),
            cpuMsPerRequest: pick((m) => m.cpuMsPerRequest),
            peakRssMb: Math.max(...measured.map((m) => m.peakRssMb)),
            errors: measured.reduce((sum, m) => sum + m.errors, 0),
          }
          results.push(result)
          console.error(`${scenario} c=${concurrency} ${service.name}: ${Math.round(result.rps)} req/s (rounds ${result.rpsRounds.map(Math.round).join(", ")}), p50 ${result.p50.toFixed(3)} ms, errors ${result.errors}`)
        }
      }
    }

    // Long streams through the gateway: RSS before, during, after, and every stream complete.
    const gateway = services.find((s) => s.name === "gateway in Harper")
    if (gateway === undefined) throw new Error("no gateway")
    const rssBefore = rssMb(gateway.pid)
    const long = await load(gateway, "/v1/chat/completions", JSON.stringify({ model: "slow-stream", stream: true, messages: [{ role: "user", content: "long" }] }), longStreams, longStreams)
    await new Promise((r) => setTimeout(r, smoke ? 500 : 5_000))
    const rssAfter = rssMb(gateway.pid)
    const longStreamsResult = { streams: longStreams, completed: long.requests - long.errors - long.incomplete, rssBefore, rssPeak: long.peakRssMb, rssAfter, seconds: 0 }

    const facts = { ...before, stealShare: stolen() }
    const report = renderReport(results, longStreamsResult, facts)
    console.log(report.text)
    if (!smoke) {
      const docs = resolve(here, "..", "..", "..", "docs")
      mkdirSync(docs, { recursive: true })
      // The hand-written account of the profile is kept under the generated figures.
      const previous = existsSync(join(docs, "benchmarks.md")) ? readFileSync(join(docs, "benchmarks.md"), "utf8") : ""
      const profileAt = previous.indexOf(PROFILE_HEADING)
      writeFileSync(join(docs, "benchmarks.md"), profileAt < 0 ? report.markdown : `${report.markdown}\n${previous.slice(profileAt)}`)
      writeFileSync(join(docs, "benchmarks.svg"), report.svg)
      writeFileSync(join(docs, "benchmarks.json"), `${JSON.stringify({ date: new Date().toISOString().slice(0, 10), gatewayCpuVsTrivialChatC1: report.gatewayCpuVsTrivial, machine: facts }, null, 2)}\n`)
    }
    if (results.some((r) => r.errors > 0) || longStreamsResult.completed !== longStreams) {
      console.error("some requests failed")
      process.exitCode = 1
    }
  } finally {
    for (const service of services) await service.stop().catch(() => undefined)
    for (const child of started) child.kill()
    rmSync(root, { recursive: true, force: true })
  }
}

/** Portkey's OSS gateway with the pins and the one-line fix its own repository applies (see research/anchors.md, Part C). */
async function startPortkey(): Promise<{ port: number; child: ChildProcess }> {
  const dir = join(here, "portkey")
  const serverFile = join(dir, "node_modules", "@hono", "node-server", "dist", "index.mjs")
  if (!existsSync(join(dir, "node_modules", "@portkey-ai", "gateway"))) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" })
  }
  const source = readFileSync(serverFile, "utf8")
  const unpatched = "return responseViaResponseObject(res, outgoing, options);"
  if (source.includes(unpatched)) writeFileSync(serverFile, source.replace(unpatched, "return await responseViaResponseObject(res, outgoing, options);"))
  const port = 18787 + Math.floor(Math.random() * 1000)
  const child = spawn(process.execPath, [join(dir, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js"), "--headless", `--port=${port}`], {
    stdio: ["ignore", "ignore", "ignore"],
    env: { ...process.env, NODE_ENV: "production" },
  })
  started.push(child)
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      return { port, child }
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error("Portkey did not start")
}

interface LongStreams {
  readonly streams: number
  readonly completed: number
  readonly rssBefore: number
  readonly rssPeak: number
  readonly rssAfter: number
}

function renderReport(results: readonly Result[], long: LongStreams, facts: MachineFacts): { text: string; markdown: string; svg: string; gatewayCpuVsTrivial: number } {
  const find = (target: string, scenario: string, concurrency: number) => results.find((r) => r.target === target && r.scenario === scenario && r.concurrency === concurrency)
  const ratio = (value: number | undefined, base: number | undefined) => (value === undefined || base === undefined || base === 0 ? "–" : `${(value / base).toFixed(2)}x`)
  const spread = (values: readonly number[], digits: number) => (values.length < 2 ? "" : ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`)
  const header = "| target | scenario | c | req/s (spread) | p50 ms | p99 ms | TTFB p50 ms | CPU ms/req (spread) | peak RSS MB | req/s vs direct | req/s vs Portkey |"
  const rows = results.map((r) => {
    const direct = find("upstream (direct)", r.scenario, r.concurrency)
    const portkey = find("Portkey 1.15.2", r.scenario, r.concurrency)
    return `| ${r.target} | ${r.scenario} | ${r.concurrency} | ${Math.round(r.rps)}${spread(r.rpsRounds, 0)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.scenario === "stream" ? r.ttfbP50.toFixed(3) : "–"} | ${r.cpuMsPerRequest.toFixed(3)}${spread(r.cpuRounds, 3)} | ${r.peakRssMb.toFixed(0)} | ${ratio(r.rps, direct?.rps)} | ${ratio(r.rps, portkey?.rps)} |`
  })
  const gw = (scenario: string, c: number) => find("gateway in Harper", scenario, c)
  const direct = (scenario: string, c: number) => find("upstream (direct)", scenario, c)
  const proxy = (scenario: string, c: number) => find("bare node:http proxy", scenario, c)
  const portkey = (scenario: string, c: number) => find("Portkey 1.15.2", scenario, c)
  const trivial = (c: number) => find("trivial Harper Resource", "chat", c)
  const addedP50 = (gw("chat", 1)?.p50 ?? Number.NaN) - (direct("chat", 1)?.p50 ?? Number.NaN)
  const addedTtfb = (gw("stream", 1)?.ttfbP50 ?? Number.NaN) - (direct("stream", 1)?.ttfbP50 ?? Number.NaN)
  const top = Math.max(...concurrencies)
  // CPU per streamed event the gateway adds over the bare proxy (both pay the sockets).
  const perEventUs = (((gw("stream", top)?.cpuMsPerRequest ?? Number.NaN) - (proxy("stream", top)?.cpuMsPerRequest ?? Number.NaN)) / 302) * 1000
  const floorAdded = (trivial(1)?.p50 ?? Number.NaN) - (direct("chat", 1)?.p50 ?? Number.NaN)
  const vsPortkey = (scenario: string) => (gw(scenario, top)?.rps ?? Number.NaN) / (portkey(scenario, top)?.rps ?? Number.NaN)
  const cpuVsPortkey = (scenario: string) => (gw(scenario, top)?.cpuMsPerRequest ?? Number.NaN) / (portkey(scenario, top)?.cpuMsPerRequest ?? Number.NaN)
  const cpuVsTrivial = (c: number) => (gw("chat", c)?.cpuMsPerRequest ?? Number.NaN) / (trivial(c)?.cpuMsPerRequest ?? Number.NaN)
  // The guard's ratio: round by round (the two ran one after the other, under the same load), then the median.
  const guardRatio = (() => {
    const gateway = gw("chat", 1)?.cpuRounds ?? []
    const floor = trivial(1)?.cpuRounds ?? []
    return median(gateway.map((cpu, round) => cpu / (floor[round] ?? Number.NaN)))
  })()
  const verdict = (ok: boolean) => (ok ? "met" : "**missed**")
  const limitedRun = find("gateway, limited key", "chat", top)
  const responsesRun = gw("responses", top)
  const targets = [
    `- Non-stream chat, c=${top}: **${vsPortkey("chat").toFixed(2)}x** Portkey's req/s (target >= 1.5x: ${verdict(vsPortkey("chat") >= 1.5)}); CPU per request **${cpuVsPortkey("chat").toFixed(2)}x** Portkey's (target < 1x: ${verdict(cpuVsPortkey("chat") < 1)}); **${cpuVsTrivial(top).toFixed(2)}x** the trivial Harper Resource's (target <= 5x: ${verdict(cpuVsTrivial(top) <= 5)})`,
    `- Streams, c=${top}: **${vsPortkey("stream").toFixed(2)}x** Portkey's req/s (target >= 1.5x: ${verdict(vsPortkey("stream") >= 1.5)}); CPU per stream **${cpuVsPortkey("stream").toFixed(2)}x** Portkey's (target < 1x: ${verdict(cpuVsPortkey("stream") < 1)}); CPU per event added over the bare proxy **${perEventUs.toFixed(1)} µs** (target <= 6 µs: ${verdict(perEventUs <= 6)})`,
    `- Embeddings (base64 both ways), c=${top}: **${vsPortkey("embeddings").toFixed(2)}x** Portkey's req/s (target >= 1.5x: ${verdict(vsPortkey("embeddings") >= 1.5)}); CPU per request **${cpuVsPortkey("embeddings").toFixed(2)}x** Portkey's (target < 1x: ${verdict(cpuVsPortkey("embeddings") < 1)})`,
    `- Added latency over direct at c=1, non-stream, p50: **${addedP50.toFixed(3)} ms**; a trivial Harper Resource alone adds ${floorAdded.toFixed(3)} ms`,
    `- Added time to first byte, streams, c=1: **${addedTtfb.toFixed(3)} ms** (target <= 1 ms: ${verdict(addedTtfb <= 1)}); Portkey adds ${((portkey("stream", 1)?.ttfbP50 ?? Number.NaN) - (direct("stream", 1)?.ttfbP50 ?? Number.NaN)).toFixed(3)} ms`,
    `- The limited path (a key under request, token, concurrency and budget limits that never refuse), non-stream chat at c=${top}: ${Math.round(limitedRun?.rps ?? Number.NaN)} req/s and ${(limitedRun?.cpuMsPerRequest ?? Number.NaN).toFixed(3)} CPU ms/req, against ${Math.round(gw("chat", top)?.rps ?? Number.NaN)} req/s and ${(gw("chat", top)?.cpuMsPerRequest ?? Number.NaN).toFixed(3)} CPU ms/req without limits`,
    `- The Responses endpoint (non-stream, not stored) at c=${top}: ${Math.round(responsesRun?.rps ?? Number.NaN)} req/s and ${(responsesRun?.cpuMsPerRequest ?? Number.NaN).toFixed(3)} CPU ms/req`,
    `- ${long.streams} concurrent long streams through the gateway: ${long.completed} completed; Harper RSS ${long.rssBefore.toFixed(0)} MB before, ${long.rssPeak.toFixed(0)} MB peak, ${long.rssAfter.toFixed(0)} MB 5 s after`,
    `- Regression guard: gateway CPU per request / trivial Harper Resource's, non-stream chat at c=1, the median of the rounds' ratios: ${guardRatio.toFixed(2)}`,
  ]
  const table = [header, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|", ...rows].join("\n")
  const text = `${describeMachine(facts)}\n\n${table}\n\n${targets.join("\n")}`
  const markdown = `# Benchmarks\n\nGenerated by \`npx -y pnpm@12.21.0 bench\` on ${new Date().toISOString().slice(0, 10)}, ${process.version}, 2 cores shared by the load generator, the upstream and the target. After a ${durationMs / 1000} s warm-up each, the targets ran interleaved for ${rounds} rounds of ${durationMs / 1000} s; each figure is the median of its rounds, the spread (lowest–highest) in brackets. Harper runs ${harperThreads} worker thread(s) (its default here is 2; Portkey is one process with one JS thread), so compare CPU ms/req for cost per request. CPU ms/req is the target process's user+system time divided by requests; the upstream's own cost is in the direct row.\n\n![requests per second at c=${top}](benchmarks.svg)\n\n${text}\n`
  return { text, markdown, svg: chart(results), gatewayCpuVsTrivial: guardRatio }
}

/** Bars of requests per second at the highest concurrency, one group per scenario. */
function chart(results: readonly Result[]): string {
  const c = Math.max(...results.map((r) => r.concurrency))
  const scenarios = ["chat", "stream", "embeddings"]
  const targets = [...new Set(results.map((r) => r.target))]
  const colors = ["#6b7280", "#9ca3af", "#7c3aed", "#c4b5fd", "#f59e0b"]
  const max = Math.max(...results.filter((r) => r.concurrency === c).map((r) => r.rps))
  const width = 760
  const height = 320
  const groupWidth = (width - 80) / scenarios.length
  const barWidth = groupWidth / (targets.length + 1)
  let bars = ""
  for (const [g, scenario] of scenarios.entries()) {
    for (const [t, target] of targets.entries()) {
      const result = results.find((r) => r.scenario === scenario && r.target === target && r.concurrency === c)
      if (result === undefined) continue
      const h = (result.rps / max) * (height - 90)
      const x = 60 + g * groupWidth + t * barWidth
      bars += `<rect x="${x.toFixed(1)}" y="${(height - 40 - h).toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[t % colors.length]}"/>`
      bars += `<text x="${(x + barWidth / 2 - 2).toFixed(1)}" y="${(height - 44 - h).toFixed(1)}" font-size="10" text-anchor="middle">${Math.round(result.rps)}</text>`
    }
    bars += `<text x="${(60 + g * groupWidth + (groupWidth - barWidth) / 2).toFixed(1)}" y="${height - 22}" font-size="13" text-anchor="middle">${scenario}</text>`
  }
  const legend = targets.map((target, t) => `<rect x="${60 + t * 140}" y="8" width="10" height="10" fill="${colors[t % colors.length]}"/><text x="${74 + t * 140}" y="17" font-size="11">${target}</text>`).join("")
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${legend}<text x="8" y="40" font-size="11">req/s, c=${c}</text><line x1="55" y1="${height - 40}" x2="${width - 10}" y2="${height - 40}" stroke="#333"/>${bars}</svg>\n`
}

await main()
