/**
 * A local OpenAI-compatible upstream on 127.0.0.1 that replays real recorded provider
 * responses (../shared/fixtures/recorded/openai-compatible) and records what it got.
 * The request's `model` picks the recording: `openai-text` streams
 * openai-text.chunks.txt or answers openai-text.json. Special models:
 * `slow-<recording>` streams one chunk every 100 ms, or waits 3 s before a non-streamed
 * answer or an embedding (for disconnects), `stall-<recording>` streams five chunks then
 * goes silent, `cut-<recording>` streams five chunks then drops the connection,
 * `fault-429-then-<recording>` answers a conversation's first request with a 429 and
 * retry-after 1 s and the next ones with the recording, `fault-500x<n>-then-<recording>`
 * answers the model's first n requests (whatever the conversation) with a 500, then the recording, `fault-429`
 * answers a rate limit with retry-after, `fault-429-plain` one without, `fault-500` a
 * server error with an internal path in its text, `fault-502`/`fault-503` HTML pages (503
 * with retry-after), `fault-400-openai` the recorded OpenAI 400, `fault-400-text` a text
 * 400, `fault-malformed` broken JSON with a 200, `fault-slow-first-byte` waits 1.5 s.
 * Hostile ones: `hostile-error-json` / `hostile-error-html` put hosts, addresses and
 * credentials in a 400 JSON / 502 HTML error, `hostile-huge` answers 64 MiB, and
 * `hostile-keepalive` streams one chunk of text (content: the idle clock runs from it) then only `: keepalive` comments, forever.
 * `fidelity-…` models answer the canned dialects of fidelity-upstream.ts.
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"
import { answerFidelity } from "./fidelity-upstream.ts"

export interface RecordedRequest {
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  readonly body: Record<string, unknown>
  /** The body as sent, for what JSON.parse would not keep (integers beyond 2^53). */
  readonly rawBody: string
  /** When the request arrived (epoch ms). */
  readonly receivedAt: number
  /** Set when the client closed the connection before the response finished. */
  closedEarlyAt?: number
  finishedAt?: number
  /** For the endless answers: how much had been written when the reader stopped. */
  bytesWritten?: number
}

/** What an attacker's or a broken upstream puts in error bodies: hosts, addresses and credentials of every shape. */
const HOSTILE_TEXT =
  "backend vllm-3.gpu.internal (10.20.30.40, fd00::7) refused Authorization: Basic YWRtaW46aHVudGVyMg== " +
  "via http://svc:p4ssw0rd@proxy.corp.example:3128 using AKIAIOSFODNN7EXAMPLE and ghp_0123456789abcdefghij0123456789abcd password=hunter2"

/** Substrings of HOSTILE_TEXT that must never reach a client. */
export const HOSTILE_LEAKS = ["vllm-3", "gpu.internal", "10.20.30.40", "fd00", "YWRtaW46", "p4ssw0rd", "proxy.corp", "AKIAIOSFODNN7", "ghp_0123", "hunter2"]

export interface ReplayUpstream {
  readonly url: string
  readonly requests: RecordedRequest[]
  close(): Promise<void>
}

export async function startReplayUpstream(recordedDir: string): Promise<ReplayUpstream> {
  const requests: RecordedRequest[] = []
  const rateLimitedOnce = new Set<string>()
  const failedSoFar = new Map<string, number>()
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk)
    const rawBody = Buffer.concat(chunks).toString("utf8")
    const body: Record<string, unknown> = JSON.parse(rawBody || "{}")
    const recorded: RecordedRequest = { path: req.url ?? "", headers: req.headers, body, rawBody, receivedAt: Date.now() }
    requests.push(recorded)
    res.on("close", () => {
      if (!res.writableFinished) recorded.closedEarlyAt = Date.now()
      else recorded.finishedAt = Date.now()
    })
    const model = String(body["model"] ?? "")
    if (model.startsWith("fidelity-")) return answerFidelity(req.url ?? "", body, res)
    if (model === "fault-429") {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "3" })
      res.end(JSON.stringify({ error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded", param: null } }))
      return
    }
    if (model.startsWith("fault-429-then-") && !rateLimitedOnce.has(conversationKey(body))) {
      // The first time a conversation is seen: a rate limit with retry-after 1 s; then the recording.
      rateLimitedOnce.add(conversationKey(body))
      res.writeHead(429, { "content-type": "application/json", "retry-after": "1" })
      res.end(JSON.stringify({ error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded", param: null } }))
      return
    }
    const failTimes = /^fault-500x(\d+)-then-/.exec(model)?.[1]
    if (failTimes !== undefined && (failedSoFar.get(model) ?? 0) < Number(failTimes)) {
      failedSoFar.set(model, (failedSoFar.get(model) ?? 0) + 1)
      res.writeHead(500, { "content-type": "text/plain" })
      res.end("upstream exploded")
      return
    }
    if (model === "fault-429-plain") {
      res.writeHead(429, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: { message: "Too many requests", type: "requests", code: "rate_limit_exceeded", param: null } }))
      return
    }
    if (model === "fault-502" || model === "fault-503") {
      res.writeHead(model === "fault-502" ? 502 : 503, model === "fault-503" ? { "content-type": "text/html", "retry-after": "2" } : { "content-type": "text/html" })
      res.end("<html><body>Bad gateway at internal-lb-7.example</body></html>")
      return
    }
    if (model === "fault-400-openai") {
      res.writeHead(400, { "content-type": "application/json" })
      res.end(readFileSync(join(recordedDir, "reasoning-model-legacy-parameter-error.json"), "utf8"))
      return
    }
    if (model === "fault-400-text") {
      res.writeHead(400, { "content-type": "text/plain" })
      res.end("invalid request: temperature too hot")
      return
    }
    if (model === "fault-malformed") {
      res.writeHead(200, { "content-type": "application/json" })
      res.end('{"id":"x","choices":[{"message":')
      return
    }
    if (model === "fault-slow-first-byte") {
      await new Promise((r) => setTimeout(r, 1_500))
      if (res.destroyed) return
      res.writeHead(200, { "content-type": "application/json" })
      res.end(readFileSync(join(recordedDir, "openai-text.json"), "utf8"))
      return
    }
    if (model === "hostile-error-json") {
      res.writeHead(400, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: { message: HOSTILE_TEXT, type: "invalid_request_error", param: null, code: null } }))
      return
    }
    if (model === "hostile-error-html") {
      res.writeHead(502, { "content-type": "text/html" })
      res.end(`<html><body><h1>502</h1><pre>${HOSTILE_TEXT}</pre></body></html>`)
      return
    }
    if (model === "hostile-huge") {
      // 64 MiB of a never-ending JSON string, as fast as the reader takes it.
      res.writeHead(200, { "content-type": "application/json" })
      res.write('{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"')
      const piece = Buffer.alloc(64 * 1024, "x")
      for (let sent = 0; sent < 64 * 1024 * 1024 && !res.destroyed; sent += piece.length) {
        if (!res.write(piece)) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve))
        recorded.bytesWritten = sent
      }
      res.end('"}}]}')
      return
    }
    if (model === "hostile-keepalive") {
      res.writeHead(200, { "content-type": "text/event-stream" })
      res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] })}\n\n`)
      const timer = setInterval(() => res.write(": keepalive\n\n"), 100)
      res.on("close", () => clearInterval(timer))
      return
    }
    if (model === "fault-500") {
      res.writeHead(500, { "content-type": "text/plain" })
      res.end("upstream exploded at /srv/secret/path.py line 12")
      return
    }
    const mode = /^(slow|stall|cut|fault-429-then|fault-500x\d+-then)-/.exec(model)?.[1]
    const slow = mode === "slow"
    if (slow && body["stream"] !== true) await new Promise((r) => setTimeout(r, 3_000))
    if (res.destroyed) return
    if (req.url === "/v1/embeddings") return embeddings(body, res)
    const name = mode === undefined ? model : model.slice(mode.length + 1)
    if (body["stream"] === true) {
      const lines = readFileSync(join(recordedDir, `${name}.chunks.txt`), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      for (const [index, line] of lines.entries()) {
        if (res.destroyed) return
        if (index === 5 && mode === "stall") return // silent until the gateway gives up
        if (index === 5 && mode === "cut") {
          await new Promise((r) => setTimeout(r, 50)) // let the first chunks reach the gateway
          return void res.socket?.destroy()
        }
        res.write(`data: ${line}\n\n`)
        if (slow) await new Promise((r) => setTimeout(r, 100))
      }
      res.end("data: [DONE]\n\n")
      return
    }
    res.writeHead(200, { "content-type": "application/json" })
    res.end(readFileSync(join(recordedDir, `${name}.json`), "utf8"))
  })
  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    requests,
    close: listening.close,
  }
}

/** A request's messages, naming the conversation (tests make each one unique). */
function conversationKey(body: Record<string, unknown>): string {
  return JSON.stringify(body["messages"] ?? body["input"] ?? null)
}

/** Deterministic vectors (index-based), in the encoding asked for; usage counts inputs. */
function embeddings(body: Record<string, unknown>, res: import("node:http").ServerResponse): void {
  const input = body["input"]
  const inputs = typeof input === "string" ? [input] : Array.isArray(input) && typeof input[0] === "number" ? [input] : Array.isArray(input) ? input : []
  const dimensions = typeof body["dimensions"] === "number" ? body["dimensions"] : 8
  const data = inputs.map((_, index) => {
    const vector = Float32Array.from({ length: dimensions }, (_, d) => index + d / 100)
    const embedding = body["encoding_format"] === "base64" ? Buffer.from(vector.buffer).toString("base64") : Array.from(vector)
    return { object: "embedding", index, embedding }
  })
  // Out of order on purpose: the gateway must restore input order by index.
  data.reverse()
  res.writeHead(200, { "content-type": "application/json" })
  res.end(JSON.stringify({ object: "list", data, model: "text-embedding-3-small", usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 } }))
}
