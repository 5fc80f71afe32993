/**
 * The benchmark's fake upstream, in its own process: answers from precomputed bytes of
 * real recordings so it costs as little as possible. Non-stream chat: openai-text.json;
 * stream: openai-text.chunks.txt (302 events with the usage chunk); embeddings: 16
 * vectors of 1536 floats in the encoding asked for. `slow-` models stream one event every
 * 10 ms (the long streams). Usage: node bench-upstream.ts <recordedDir>; prints "ready <port>".
 */
import { createServer } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"

const recordedDir = process.argv[2] ?? ""
const completion = Buffer.from(JSON.stringify(JSON.parse(readFileSync(join(recordedDir, "openai-text.json"), "utf8"))))
const lines = readFileSync(join(recordedDir, "openai-text.chunks.txt"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
const stream = Buffer.from(`${lines.map((l) => `data: ${l}\n\n`).join("")}data: [DONE]\n\n`)
const vector = Float32Array.from({ length: 1536 }, (_, i) => Math.sin(i) / 40)
const base64 = Buffer.from(vector.buffer).toString("base64")
const floats = JSON.stringify(Array.from(vector))
const embeddings = (format: string) =>
  Buffer.from(
    `{"object":"list","data":[${Array.from({ length: 16 }, (_, i) => `{"object":"embedding","index":${i},"embedding":${format === "base64" ? `"${base64}"` : floats}}`).join(",")}],"model":"text-embedding-3-small","usage":{"prompt_tokens":64,"total_tokens":64}}`,
  )
const embeddingsBase64 = embeddings("base64")
const embeddingsFloat = embeddings("float")

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", async () => {
    const body = Buffer.concat(chunks).toString("utf8")
    if (req.url?.endsWith("/embeddings")) {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(body.includes('"base64"') ? embeddingsBase64 : embeddingsFloat)
    } else if (!body.includes('"stream":true')) {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(completion)
    } else if (!body.includes('"slow-')) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      res.end(stream)
    } else {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      for (const line of lines) {
        if (res.destroyed) return
        res.write(`data: ${line}\n\n`)
        await new Promise((r) => setTimeout(r, 10))
      }
      res.end("data: [DONE]\n\n")
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  console.log(`ready ${typeof address === "object" && address !== null ? address.port : 0}`)
})
