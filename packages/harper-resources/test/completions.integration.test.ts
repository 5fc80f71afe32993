/**
 * Legacy text completions (`POST /v1/completions`) against a real Harper, with a local
 * OpenAI-compatible upstream on 127.0.0.1 serving `/v1/completions` (completions-upstream.ts:
 * OpenAI's own documented examples).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { specValidator } from "../../translate/test/openapi-validator.ts"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"
import { startCompletionsUpstream, type CompletionsUpstream, type ReceivedCompletion } from "./completions-upstream.ts"

const admin = { username: "admin", password: "completions-pw-for-tests" }
const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
const validAnswer = specValidator("CreateCompletionResponse")
const validChunk = specValidator("CreateCompletionStreamChunk")
const validError = specValidator("ErrorResponse")

let root: string
let harper: HarperInstance
let upstream: CompletionsUpstream
const received: ReceivedCompletion[] = []

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "harper-gateway-completions-"))
  upstream = await startCompletionsUpstream(received)
  harper = await startHarper({
    root,
    admin,
    gatewayConfig: {
      models: {
        generative: {
          instruct: { backend: "openai", baseUrl: `${upstream.url}/v1`, apiKey: "sk-upstream-test", model: "gpt-3.5-turbo-instruct" },
          // Never called: Anthropic has no text completions, so the gateway refuses before any request.
          claude: { backend: "anthropic", apiKey: "sk-ant-test", model: "claude-sonnet-4-5" },
        },
      },
      auth: { roles: ["gateway_user"] },
      accounting: { flushIntervalMs: 100 },
    },
  })
}, 120_000)

afterAll(async () => {
  await harper?.stop()
  await upstream?.close()
  if (root !== undefined) rmSync(root, { recursive: true, force: true })
}, 60_000)

const post = (body: unknown, authorization = basic) => fetch(`${harper.url}/v1/completions`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) })

async function sql(query: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(harper.operationsUrl, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ operation: "sql", sql: query }) })
  const rows: unknown = await response.json()
  if (!Array.isArray(rows)) throw new Error(`sql failed: ${JSON.stringify(rows)}`)
  return rows.filter((row): row is Record<string, unknown> => typeof row === "object" && row !== null)
}

/** The rows of the calls made with one gateway key, once `count` are written (the recorder flushes every 100 ms). */
async function rowsFor(keyId: string, count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const rows = await sql(`SELECT endpoint, logicalModel, upstreamModel, backend, outcome, status, errorCode, promptTokens, completionTokens, tokensEstimated, stream, keyId FROM gateway.hdb_model_calls WHERE keyId = '${keyId}'`)
    if (rows.length >= count || Date.now() > deadline) return rows
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function newKey(tenant: string, models?: readonly string[]): Promise<{ readonly id: string; readonly key: string }> {
  const response = await fetch(`${harper.url}/gateway/keys`, {
    method: "POST",
    headers: { authorization: basic, "content-type": "application/json" },
    body: JSON.stringify({ user: admin.username, tenant, ...(models === undefined ? {} : { models }) }),
  })
  expect(response.status).toBe(201)
  const created: unknown = await response.json()
  if (typeof created !== "object" || created === null || !("id" in created) || !("key" in created) || typeof created.id !== "string" || typeof created.key !== "string") throw new Error("no key")
  return { id: created.id, key: created.key }
}

const decodeChoices = Schema.decodeUnknownSync(Schema.Struct({ choices: Schema.Array(Schema.Struct({ text: Schema.String, finish_reason: Schema.NullOr(Schema.String) })) }))
const choicesOf = (chunk: unknown) => decodeChoices(chunk).choices

const sseData = (text: string) =>
  text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length))

describe("POST /v1/completions through Harper", () => {
  it("answers a spec-valid text_completion, forwards suffix, echo and logprobs untouched, and writes a `completions` row", async () => {
    const { id, key } = await newKey("completions-plain")
    received.length = 0
    const response = await post({ model: "instruct", prompt: "Say this is a test", suffix: " indeed.", echo: true, logprobs: 1, max_tokens: 7, temperature: 0 }, `Bearer ${key}`)
    const answer: unknown = await response.json()
    expect(response.status, JSON.stringify(answer)).toBe(200)
    expect(response.headers.get("x-gateway-attempts")).toBe("instruct/0=200")
    expect(validAnswer(answer)).toEqual([])
    expect(answer).toMatchObject({
      object: "text_completion",
      model: "gpt-3.5-turbo-instruct",
      choices: [{ text: "Say this is a test", index: 0, logprobs: { tokens: [" this"], token_logprobs: [-3.2], top_logprobs: [{ " this": -3.2 }], text_offset: [3] }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    })
    expect(received.map((r) => [r.path, r.body])).toEqual([["/v1/completions", { model: "gpt-3.5-turbo-instruct", prompt: "Say this is a test", suffix: " indeed.", echo: true, logprobs: 1, max_tokens: 7, temperature: 0, stream: false }]])
    const rows = await rowsFor(id, 1)
    expect(rows.map((r) => [r["endpoint"], r["logicalModel"], r["upstreamModel"], r["backend"], r["outcome"], r["status"], r["promptTokens"], r["completionTokens"], r["tokensEstimated"], r["stream"]])).toEqual([
      ["completions", "instruct", "gpt-3.5-turbo-instruct", "openai", "success", 200, 5, 7, false, false],
    ])
  })

  it("streams spec-valid text_completion chunks, the usage chunk only when asked, then [DONE]; the row has the stream's usage", async () => {
    const { id, key } = await newKey("completions-stream")
    for (const includeUsage of [false, true]) {
      received.length = 0
      const response = await post({ model: "instruct", prompt: "Say this is a test", max_tokens: 7, stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) }, `Bearer ${key}`)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toMatch(/text\/event-stream/)
      const data = sseData(await response.text())
      expect(data.at(-1)).toBe("[DONE]")
      const chunks: unknown[] = data.slice(0, -1).map((line) => JSON.parse(line))
      for (const chunk of chunks) expect(validChunk(chunk)).toEqual([])
      expect(chunks.map((chunk) => choicesOf(chunk).map((c) => [c.text, c.finish_reason]))).toEqual([[["This", null]], [[" is", null]], [[" a", "length"]], ...(includeUsage ? [[]] : [])])
      if (includeUsage) expect(chunks.at(-1)).toMatchObject({ usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } })
      // The gateway asks the upstream for usage on every stream, whatever the client asked.
      expect(received[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    }
    const rows = await rowsFor(id, 2)
    expect(rows.map((r) => [r["endpoint"], r["outcome"], r["promptTokens"], r["completionTokens"], r["tokensEstimated"], r["stream"]])).toEqual([
      ["completions", "success", 5, 3, false, true],
      ["completions", "success", 5, 3, false, true],
    ])
  })

  it("refuses a model whose backend has no text completions with a shaped 400 naming the endpoint and the model, and calls no upstream", async () => {
    const { id, key } = await newKey("completions-refused")
    for (const stream of [false, true]) {
      const response = await post({ model: "claude", prompt: "Say this is a test", stream }, `Bearer ${key}`)
      const body: unknown = await response.json()
      expect(response.status).toBe(400)
      expect(validError(body)).toEqual([])
      expect(body).toEqual({ error: { message: 'The model "claude" does not support the /v1/completions endpoint.', type: "invalid_request_error", code: "unsupported_endpoint", param: "model" } })
      expect(response.headers.get("x-gateway-attempts")).toBeNull()
    }
    const rows = await rowsFor(id, 2)
    expect(rows.map((r) => [r["endpoint"], r["outcome"], r["status"], r["errorCode"], r["backend"]])).toEqual([
      ["completions", "rejected", 400, "unsupported_endpoint", null],
      ["completions", "rejected", 400, "unsupported_endpoint", null],
    ])
  })

  it("refuses a bad body with a 400 in OpenAI's shape naming the field", async () => {
    const cases: readonly [unknown, string | null][] = [
      [{ model: "instruct", prompt: "x", logprobs: 6 }, "logprobs"],
      [{ model: "instruct" }, "prompt"],
      [{ model: "instruct", prompt: "x", top_k: 40 }, "top_k"],
      ["{not json", null],
    ]
    for (const [body, param] of cases) {
      const response = await post(body)
      const error: unknown = await response.json()
      expect(response.status, JSON.stringify(error)).toBe(400)
      expect(validError(error)).toEqual([])
      expect(error).toMatchObject({ error: { type: "invalid_request_error", param } })
    }
  })

  it("admits a completion on its estimate as chat: OpenAI's default of 16 tokens when max_tokens is absent, a 429 past the tenant's token limit", async () => {
    const limit = await fetch(`${harper.url}/gateway/limits`, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json" },
      body: JSON.stringify({ tenant: "completions-limited", tokens: 100, windowSeconds: 60 }),
    })
    expect([200, 201]).toContain(limit.status)
    const { key } = await newKey("completions-limited")
    const small = await post({ model: "instruct", prompt: "Say this is a test" }, `Bearer ${key}`)
    expect(small.status, await small.text()).toBe(200)
    const large = await post({ model: "instruct", prompt: "Say this is a test", max_tokens: 1_000 }, `Bearer ${key}`)
    const refused: unknown = await large.json()
    expect(large.status, JSON.stringify(refused)).toBe(429)
    expect(refused).toMatchObject({ error: { type: "rate_limit_error" } })
  })

  it("streams for a client sending Accept: text/event-stream (Harper's connect path) as for any other", async () => {
    const response = await fetch(`${harper.url}/v1/completions`, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ model: "instruct", prompt: "Say this is a test", stream: true }),
    })
    expect(response.status).toBe(200)
    const data = sseData(await response.text())
    expect(data.at(-1)).toBe("[DONE]")
    expect(
      data
        .slice(0, -1)
        .map((line) =>
          choicesOf(JSON.parse(line))
            .map((c) => c.text)
            .join(""),
        )
        .join(""),
    ).toBe("This is a")
  })

  it("keeps a key to its allowed models, and a missing key out, as chat does", async () => {
    const { key } = await newKey("completions-allow-list", ["claude"])
    const refused = await post({ model: "instruct", prompt: "Say this is a test" }, `Bearer ${key}`)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ error: { type: "permission_error" } })
    const anonymous = await fetch(`${harper.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "instruct", prompt: "x" }) })
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ error: { type: "authentication_error" } })
  })

  it("answers 405 for a wrong method on the route", async () => {
    const response = await fetch(`${harper.url}/v1/completions`, { headers: { authorization: basic } })
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("POST")
  })
})
