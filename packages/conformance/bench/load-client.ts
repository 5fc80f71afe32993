/**
 * The load generator, in its own process: a closed loop of `connections` concurrent
 * requests for `durationMs`, over undici's keep-alive pool, timing each request with a
 * microsecond clock (autocannon reports whole milliseconds, too coarse for sub-ms
 * overheads). For streams it also times the first byte. Usage: node load-client.ts '<json spec>';
 * prints one JSON line of results.
 */
import { Pool } from "undici"

interface Spec {
  readonly url: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly connections: number
  readonly durationMs: number
  /** Long-stream mode: exactly this many requests, all at once. */
  readonly total?: number
}

const spec: Spec = JSON.parse(process.argv[2] ?? "{}")
const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000, bodyTimeout: 120_000, headersTimeout: 120_000 })
const latencies: number[] = []
const firstBytes: number[] = []
let errors = 0
let incomplete = 0
const statuses: Record<string, number> = {}

async function once(): Promise<void> {
  const start = process.hrtime.bigint()
  try {
    const response = await pool.request({ method: "POST", path: spec.path, headers: spec.headers, body: spec.body })
    let first: bigint | undefined
    let tail = ""
    for await (const chunk of response.body) {
      first ??= process.hrtime.bigint()
      tail = (tail + chunk.toString("utf8")).slice(-32)
    }
    const end = process.hrtime.bigint()
    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1
    if (response.statusCode !== 200) errors++
    if (spec.body.includes('"stream":true') && !tail.includes("[DONE]")) incomplete++
    latencies.push(Number(end - start) / 1e6)
    firstBytes.push(Number((first ?? end) - start) / 1e6)
  } catch {
    errors++
  }
}

const started = performance.now()
if (spec.total !== undefined) {
  await Promise.all(Array.from({ length: spec.total }, () => once()))
} else {
  const deadline = started + spec.durationMs
  await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      while (performance.now() < deadline) await once()
    }),
  )
}
const elapsedMs = performance.now() - started
await pool.close()

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    incomplete,
    statuses,
    elapsedMs,
    rps: latencies.length / (elapsedMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ttfbP50: percentile(firstBytes, 50),
    ttfbP99: percentile(firstBytes, 99),
  }),
)
