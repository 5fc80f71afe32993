/**
 * `node packages/conformance/bench/stream-path-bench.ts`: the streamed path's own cost per
 * event, without Harper: a local upstream sends the recorded 302-event stream, and the
 * gateway's code (openai backend, models service with accounting to a no-op sink, chat SSE
 * body) turns it into the client's bytes, which are drained. Prints CPU µs per event,
 * median of 5 runs; the translation alone is in `pnpm bench:translate`.
 */
import { createServer } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { buildRegistry, createModelsService } from "../../models/src/index.ts"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"
import { newIdentity, sseBody } from "../../harper-resources/src/http/chat-completions.ts"
import { recordedDir } from "../../translate/test/shared-dir.ts"

const lines = readFileSync(join(recordedDir, "openai-text.chunks.txt"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
const payload = Buffer.from(`${lines.map((l) => `data: ${l}\n\n`).join("")}data: [DONE]\n\n`)
const upstream = await listenOnLoopback(
  createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" })
      res.end(payload)
    })
  }),
)
const { registry } = buildRegistry({ generative: { m: { backend: "openai", baseUrl: `${upstream.url}/v1`, model: "gpt-4.1-nano", routing: { retries: { max: 0 } } } } })
const service = createModelsService(registry, { started: () => undefined, record: () => undefined })
const call = { input: { messages: [{ role: "user" as const, content: "Invent a holiday" }] }, opts: { model: "m" }, stream: true, includeUsage: true }

async function once(): Promise<number> {
  const { first, rest } = await service.openChatStream(call, { tenant: "t", user: "u", endpoint: "chat.completions", signal: new AbortController().signal })
  let bytes = 0
  for await (const text of sseBody(first, rest, newIdentity("gpt-4.1-nano"), true)) bytes += text.length
  return bytes
}

const runs: number[] = []
for (let warm = 0; warm < 200; warm++) await once()
for (let run = 0; run < 5; run++) {
  const streams = 300
  const before = process.cpuUsage()
  for (let i = 0; i < streams; i++) await once()
  const used = process.cpuUsage(before)
  runs.push((used.user + used.system) / streams / lines.length)
}
runs.sort((a, b) => a - b)
console.log(`stream path: ${runs[2]?.toFixed(2)} µs CPU per event (median of 5; runs ${runs.map((r) => r.toFixed(2)).join(", ")}), ${lines.length} events a stream, upstream in the same process`)
await upstream.close()
