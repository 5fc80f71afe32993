import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"
import { specValidator } from "../../translate/test/openapi-validator.ts"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"

/**
 * The upstream's answer headers a client reads, through a real Harper: OpenAI's documented
 * ones pass (or are renamed), and nothing else the upstream sends does.
 */
const admin = { username: "admin", password: "upstream-headers-pw-for-tests" }
const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`

// OpenAI's documented answer headers: API reference "Debugging requests" (openai-organization,
// openai-processing-ms, openai-version 2020-10-01, x-request-id) and the "Rate limits" guide's
// example values (x-ratelimit-limit-requests 60 ... x-ratelimit-reset-tokens 6m0s). `via` and
// `server` are what a proxy in front of the upstream adds: never passed.
const UPSTREAM_HEADERS = {
  "openai-organization": "user-abc123",
  "openai-processing-ms": "151",
  "openai-version": "2020-10-01",
  "x-request-id": "req_9f2c1e7a0b",
  "x-ratelimit-limit-requests": "60",
  "x-ratelimit-limit-tokens": "150000",
  "x-ratelimit-remaining-requests": "59",
  "x-ratelimit-remaining-tokens": "149984",
  "x-ratelimit-reset-requests": "1s",
  "x-ratelimit-reset-tokens": "6m0s",
  via: "1.1 internal-proxy.corp.example",
  server: "upstream-gw.corp.example",
}
const RATE_LIMIT_NAMES = ["limit-requests", "limit-tokens", "remaining-requests", "remaining-tokens", "reset-requests", "reset-tokens"] as const

// Bodies from OpenAI's API reference: the chat completion object, its chunks, the embeddings list, a 429's error object.
const completion = (model: string) => ({
  id: "chatcmpl-123",
  object: "chat.completion",
  created: 1677652288,
  model,
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
})
const chunk = (model: string, delta: Record<string, unknown>, finish: string | null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-123", object: "chat.completion.chunk", created: 1694268190, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`
const embeddings = (model: string) => ({ object: "list", data: [{ object: "embedding", embedding: [0.0023064255, -0.009327292], index: 0 }], model, usage: { prompt_tokens: 8, total_tokens: 8 } })
const RATE_LIMITED = { error: { message: "Rate limit reached for requests", type: "requests", param: null, code: "rate_limit_exceeded" } }

const openai = (url: string, model: string, extra: Record<string, unknown> = {}) => ({ backend: "openai", baseUrl: `${url}/v1`, apiKey: "sk-test-upstream-headers", model, ...extra })
const gatewayConfig = (url: string) => ({
  models: {
    generative: {
      "up-chat": openai(url, "gpt-4o"),
      "up-org": openai(url, "gpt-4o", { exposeUpstreamOrganization: true }),
      // No retries: the upstream's 429 is the client's at once.
      "up-limited": openai(url, "limited", { routing: { maxAttempts: 1 } }),
    },
    embedding: { "up-embed": openai(url, "text-embedding-3-small") },
  },
  accounting: { flushIntervalMs: 100 },
})

let root: string
let harper: HarperInstance
let upstream: { readonly url: string; close(): Promise<void> }

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "harper-gateway-upstream-headers-"))
  upstream = await listenOnLoopback(
    createServer((request, response) => {
      let text = ""
      request.on("data", (data: Buffer) => (text += data.toString()))
      request.on("end", () => {
        const body: unknown = JSON.parse(text)
        const field = (name: string): unknown => (typeof body === "object" && body !== null ? Reflect.get(body, name) : undefined)
        const model = String(field("model"))
        if (model === "limited") {
          response.writeHead(429, { ...UPSTREAM_HEADERS, "x-ratelimit-remaining-requests": "0", "content-type": "application/json" }).end(JSON.stringify(RATE_LIMITED))
        } else if (request.url === "/v1/embeddings") {
          response.writeHead(200, { ...UPSTREAM_HEADERS, "content-type": "application/json" }).end(JSON.stringify(embeddings(model)))
        } else if (field("stream") === true) {
          response.writeHead(200, { ...UPSTREAM_HEADERS, "content-type": "text/event-stream" })
          response.end(`${chunk(model, { role: "assistant", content: "" }, null)}${chunk(model, { content: "Hello" }, null)}${chunk(model, {}, "stop")}data: [DONE]\n\n`)
        } else {
          response.writeHead(200, { ...UPSTREAM_HEADERS, "content-type": "application/json" }).end(JSON.stringify(completion(model)))
        }
      })
    }),
  )
  harper = await startHarper({ root, admin, gatewayConfig: gatewayConfig(upstream.url), threads: 1 })
}, 120_000)

afterAll(async () => {
  await harper?.stop()
  await upstream?.close()
  rmSync(root, { recursive: true, force: true })
}, 60_000)

async function newKey(tenant: string): Promise<string> {
  const response = await fetch(`${harper.url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user: admin.username, tenant }) })
  expect(response.status).toBe(201)
  const created: unknown = await response.json()
  const key = typeof created === "object" && created !== null ? Reflect.get(created, "key") : undefined
  if (typeof key !== "string") throw new Error("no key")
  return key
}

function post(key: string, path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${harper.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) })
}
const chat = (key: string, model: string, stream = false) => post(key, "/v1/chat/completions", { model, stream, messages: [{ role: "user", content: "Hello" }] })

/** The headers a client gets that the upstream's allow-list governs. */
function upstreamView(response: Response) {
  return {
    processingMs: response.headers.get("openai-processing-ms"),
    version: response.headers.get("openai-version"),
    organization: response.headers.get("openai-organization"),
    upstreamRequestId: response.headers.get("x-upstream-request-id"),
    via: response.headers.get("via"),
    server: response.headers.get("server"),
  }
}
const PASSED = { processingMs: "151", version: "2020-10-01", organization: null, upstreamRequestId: "req_9f2c1e7a0b", via: null }
const rateLimits = (response: Response, prefix: string) => RATE_LIMIT_NAMES.map((name) => response.headers.get(`${prefix}${name}`))
const UPSTREAM_VALUES = ["60", "150000", "59", "149984", "1s", "6m0s"]

describe("the upstream's answer headers, with no gateway limit on the call", () => {
  it("a chat answer passes OpenAI's processing time, version, rate limits and request id (as x-upstream-request-id), beside the gateway's own x-request-id", async () => {
    const key = await newKey("free")
    const response = await chat(key, "up-chat")
    expect(response.status).toBe(200)
    expect(specValidator("CreateChatCompletionResponse")(await response.json())).toEqual([])
    expect(upstreamView(response)).toMatchObject(PASSED)
    expect(response.headers.get("server")).not.toBe(UPSTREAM_HEADERS.server)
    expect(rateLimits(response, "x-ratelimit-")).toEqual(UPSTREAM_VALUES)
    expect(rateLimits(response, "x-upstream-ratelimit-")).toEqual([null, null, null, null, null, null])
    expect(response.headers.get("x-request-id")).toMatch(/^chatcmpl-/)
  })

  it("a streamed chat answer has them when the stream opens", async () => {
    const key = await newKey("free-stream")
    const response = await chat(key, "up-chat", true)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/)
    expect(upstreamView(response)).toMatchObject(PASSED)
    expect(rateLimits(response, "x-ratelimit-")).toEqual(UPSTREAM_VALUES)
    const text = await response.text()
    expect(text).toContain("data: [DONE]")
    for (const data of text.split("\n\n").filter((event) => event.startsWith("data: {"))) expect(specValidator("CreateChatCompletionStreamResponse")(JSON.parse(data.slice(6)))).toEqual([])
  })

  it("Responses and embeddings answers have them too", async () => {
    const key = await newKey("free-other")
    const responses = await post(key, "/v1/responses", { model: "up-chat", store: false, input: "Hello" })
    expect(responses.status).toBe(200)
    expect(specValidator("Response")(await responses.json())).toEqual([])
    expect(upstreamView(responses)).toMatchObject(PASSED)
    expect(rateLimits(responses, "x-ratelimit-")).toEqual(UPSTREAM_VALUES)
    const embedded = await post(key, "/v1/embeddings", { model: "up-embed", input: "The food was delicious" })
    expect(embedded.status).toBe(200)
    expect(specValidator("CreateEmbeddingResponse")(await embedded.json())).toEqual([])
    expect(upstreamView(embedded)).toMatchObject(PASSED)
    expect(rateLimits(embedded, "x-ratelimit-")).toEqual(UPSTREAM_VALUES)
  })

  it("openai-organization passes only for a model whose config sets exposeUpstreamOrganization", async () => {
    const key = await newKey("free-org")
    const response = await chat(key, "up-org")
    expect(response.status).toBe(200)
    expect(response.headers.get("openai-organization")).toBe("user-abc123")
  })

  it("an upstream 429 passed to the client keeps its rate limits and request id", async () => {
    const key = await newKey("free-limited")
    const response = await chat(key, "up-limited")
    expect(response.status).toBe(429)
    expect(specValidator("ErrorResponse")(await response.json())).toEqual([])
    expect(upstreamView(response)).toMatchObject(PASSED)
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("0")
  })
})

describe("the upstream's answer headers, under a gateway limit", () => {
  it("the gateway's own x-ratelimit-* are the client's; the upstream's come as x-upstream-ratelimit-*, streamed or not", async () => {
    const key = await newKey("limited")
    const limit = await fetch(`${harper.url}/gateway/limits`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ tenant: "limited", requests: 1000, windowSeconds: 60 }) })
    expect([200, 201]).toContain(limit.status)
    const response = await chat(key, "up-chat")
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("1000")
    expect(rateLimits(response, "x-upstream-ratelimit-")).toEqual(UPSTREAM_VALUES)
    expect(upstreamView(response)).toMatchObject(PASSED)
    const streamed = await chat(key, "up-chat", true)
    expect(streamed.status).toBe(200)
    await streamed.text()
    expect(streamed.headers.get("x-ratelimit-limit-requests")).toBe("1000")
    expect(rateLimits(streamed, "x-upstream-ratelimit-")).toEqual(UPSTREAM_VALUES)
  })
})
