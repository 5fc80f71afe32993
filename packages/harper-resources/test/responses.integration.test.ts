/**
 * POST /v1/responses and the stored-response endpoints in a real Harper, against the
 * replaying upstream (which speaks chat completions: the gateway translates Responses
 * to chat for every backend) and the echo backend. Every body and event is validated
 * against the official spec.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { specValidator } from "../../translate/test/openapi-validator.ts"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"
import { ADMIN, startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./harper-fixture.ts"
import { startReplayUpstream, type ReplayUpstream } from "./replay-upstream.ts"

const validateResponse = specValidator("Response")
const validateEvent = specValidator("ResponseStreamEvent")
const validateItemList = specValidator("ResponseItemList")
const validateError = specValidator("ErrorResponse")

const recordedText: string = JSON.parse(readFileSync(join(recordedDir, "openai-text.json"), "utf8")).choices[0].message.content
const recordedStreamText = readFileSync(join(recordedDir, "openai-text.chunks.txt"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line).choices?.[0]?.delta?.content ?? "")
  .join("")

const Item = Schema.Struct({ id: Schema.String, type: Schema.String })
const ResponseBody = Schema.Struct({ id: Schema.String, object: Schema.Literal("response"), status: Schema.String, output: Schema.Array(Schema.Record(Schema.String, Schema.Unknown)) })
const asResponse = Schema.decodeUnknownSync(ResponseBody)
const asItemList = Schema.decodeUnknownSync(Schema.Struct({ data: Schema.Array(Item), first_id: Schema.String, last_id: Schema.String, has_more: Schema.Boolean }))
const asKey = Schema.decodeUnknownSync(Schema.Struct({ key: Schema.String }))

let fx: GatewayFixture
let keyA: string
let keyB: string

async function createKey(tenant: string): Promise<string> {
  const response = await fetch(`${fx.harper.url}/gateway/keys`, { method: "POST", headers: { authorization: fx.basic, "content-type": "application/json" }, body: JSON.stringify({ user: "carol", tenant }) })
  if (response.status !== 201) throw new Error(`${response.status} ${await response.text()}; log ${fx.harper.logPath}`)
  return asKey(await response.json()).key
}

beforeAll(async () => {
  fx = await startGatewayFixture(recordedDir)
  await fx.operation({ operation: "add_role", role: "gateway_user", permission: { super_user: false } })
  await fx.operation({ operation: "add_user", role: "gateway_user", username: "carol", password: "carol-pw-1", active: true })
  keyA = await createKey("tenant-a")
  keyB = await createKey("tenant-b")
}, 180_000)

afterAll(async () => {
  await fx?.close()
}, 60_000)

async function call(method: string, path: string, body?: unknown, key = keyA, init: RequestInit = {}): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` }
  if (body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(`${fx.harper.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...init })
  const text = await response.text()
  const isJson = /json/.test(response.headers.get("content-type") ?? "")
  return { status: response.status, body: isJson ? JSON.parse(text) : undefined, text, headers: response.headers }
}

async function create(body: Record<string, unknown>, key = keyA) {
  const answer = await call("POST", "/v1/responses", body, key)
  expect([answer.status, answer.text.slice(0, 300)]).toEqual([200, expect.any(String)])
  expect(validateResponse(answer.body)).toEqual([])
  return { ...asResponse(answer.body), raw: answer.body }
}

function expectError(answer: { status: number; body: unknown }, status: number, param?: string | null) {
  expect(answer.status).toBe(status)
  expect(validateError(answer.body)).toEqual([])
  if (param !== undefined) expect(answer.body).toMatchObject({ error: { param } })
}

/** `event: <type>` + `data: <json>` frames, each checked against the spec and its own event name. */
function parseEvents(text: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = []
  for (const frame of text.split("\n\n").filter((f) => f.trim() !== "")) {
    const name = /^event: (.+)$/m.exec(frame)?.[1]
    const data = /^data: (.+)$/m.exec(frame)?.[1]
    if (data === undefined) throw new Error(`frame without data: ${frame}`)
    const event: Record<string, unknown> = JSON.parse(data)
    expect([name, validateEvent(event)]).toEqual([event["type"], []])
    events.push(event)
  }
  return events
}

function outputText(response: { output: readonly Record<string, unknown>[] }): string {
  let text = ""
  for (const item of response.output) {
    if (item["type"] !== "message" || !Array.isArray(item["content"])) continue
    for (const part of item["content"]) if (typeof part === "object" && part !== null && part.type === "output_text") text += String(part.text)
  }
  return text
}

describe("POST /v1/responses", () => {
  it("answers a non-streamed request with a spec-valid Response, stored and retrievable", async () => {
    const response = await create({ model: "gpt-4.1-nano", input: "Invent a holiday" })
    expect(response.id).toMatch(/^resp_/)
    expect(response.status).toBe("completed")
    expect(outputText(response)).toBe(recordedText)
    expect(fx.upstream.requests.at(-1)?.body["messages"]).toEqual([{ role: "user", content: "Invent a holiday" }])
    const retrieved = await call("GET", `/v1/responses/${response.id}`)
    expect(retrieved.status).toBe(200)
    expect(validateResponse(retrieved.body)).toEqual([])
    expect(retrieved.body).toEqual(response.raw)
  })

  it("streams the spec's event sequence, numbered from 0, and stores the Response the last event carries", async () => {
    const answer = await call("POST", "/v1/responses", { model: "gpt-4.1-nano", input: "Invent a holiday", stream: true })
    expect(answer.status).toBe(200)
    expect(answer.headers.get("content-type")).toMatch(/^text\/event-stream/)
    expect(answer.text).not.toContain("[DONE]")
    const events = parseEvents(answer.text)
    expect(events.map((e) => e["sequence_number"])).toEqual(events.map((_, i) => i))
    expect(events.slice(0, 2).map((e) => e["type"])).toEqual(["response.created", "response.in_progress"])
    const last = events.at(-1)
    expect(last?.["type"]).toBe("response.completed")
    const final = asResponse(last?.["response"])
    expect(outputText(final)).toBe(recordedStreamText)
    expect(
      events
        .filter((e) => e["type"] === "response.output_text.delta")
        .map((e) => e["delta"])
        .join(""),
    ).toBe(recordedStreamText)
    const retrieved = await call("GET", `/v1/responses/${final.id}`)
    expect(retrieved.body).toEqual(last?.["response"])
  })

  it("keeps nothing with store: false", async () => {
    const response = await create({ model: "echo", input: "not kept", store: false })
    expect(response.raw).toMatchObject({ store: false })
    expectError(await call("GET", `/v1/responses/${response.id}`), 404)
  })

  it("refuses a bad request as chat does: a 400 naming the field, a 403 for a model the key may not use", async () => {
    expectError(await call("POST", "/v1/responses", { model: "echo", input: "x", temperature: 9 }), 400, "temperature")
    expectError(await call("POST", "/v1/responses", { model: "echo", input: "x", tools: [{ type: "web_search" }] }), 400, "tools[0].type")
    expectError(await call("POST", "/v1/responses", { model: "echo" }), 400, "input")
    expectError(await call("POST", "/v1/responses", { model: "gpt-9", input: "x" }), 404, "model")
    const created = await fetch(`${fx.harper.url}/gateway/keys`, { method: "POST", headers: { authorization: fx.basic, "content-type": "application/json" }, body: JSON.stringify({ user: "carol", tenant: "tenant-a", models: ["echo"] }) })
    const limited = asKey(await created.json()).key
    expectError(await call("POST", "/v1/responses", { model: "gpt-4.1-nano", input: "x" }, limited), 403)
    expectError(await call("POST", "/v1/responses", { model: "echo", input: "x" }, "sk-hgw-wrong"), 401)
  })
})

describe("stored responses", () => {
  it("lists a response's input items with ids, paginated as the spec says (limit, order, after)", async () => {
    const input = ["one", "two", "three", "four", "five"].map((text) => ({ role: "user", content: text }))
    const response = await create({ model: "echo", input })
    const all = await call("GET", `/v1/responses/${response.id}/input_items`)
    expect(all.status).toBe(200)
    expect(validateItemList(all.body)).toEqual([])
    const list = asItemList(all.body)
    expect(list.data.map((item) => item.type)).toEqual(["message", "message", "message", "message", "message"])
    expect(all.body).toMatchObject({ object: "list", has_more: false, data: [{ content: [{ type: "input_text", text: "five" }] }, {}, {}, {}, { content: [{ type: "input_text", text: "one" }] }] })
    const ids: string[] = []
    let after: string | undefined
    for (let page = 0; page < 5; page++) {
      const answer = await call("GET", `/v1/responses/${response.id}/input_items?limit=2&order=asc${after === undefined ? "" : `&after=${after}`}`)
      expect(validateItemList(answer.body)).toEqual([])
      const body = asItemList(answer.body)
      ids.push(...body.data.map((item) => item.id))
      if (!body.has_more) break
      after = body.last_id
    }
    expect(ids).toEqual([...list.data.map((item) => item.id)].reverse())
    expect(new Set(ids).size).toBe(5)
    expectError(await call("GET", `/v1/responses/${response.id}/input_items?limit=101`), 400, "limit")
    expectError(await call("GET", `/v1/responses/${response.id}/input_items?order=sideways`), 400, "order")
  })

  it("gives back a stored client object shaped like the store's big-integer marker as that object, beside a real integer beyond 2^53", async () => {
    const parameters = '{"type":"object","default":{"$gatewayBigInteger":"5"},"examples":[{"$$gatewayBigInteger":"6"}],"maximum":123456789012345678901}'
    const created = await fetch(`${fx.harper.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${keyA}`, "content-type": "application/json" },
      body: `{"model":"echo","input":"hi","tools":[{"type":"function","name":"f","parameters":${parameters}}]}`,
    })
    const createdText = await created.text()
    expect([created.status, createdText]).toEqual([200, expect.stringContaining(parameters)])
    const id = asResponse(JSON.parse(createdText)).id
    const stored = await fetch(`${fx.harper.url}/v1/responses/${id}`, { headers: { authorization: `Bearer ${keyA}` } })
    expect(await stored.text()).toContain(parameters)
  })

  it("deletes a response: {id, object, deleted}, then 404 for retrieve, delete and continue", async () => {
    const response = await create({ model: "echo", input: "short-lived" })
    const deleted = await call("DELETE", `/v1/responses/${response.id}`)
    expect(deleted).toMatchObject({ status: 200, body: { id: response.id, object: "response", deleted: true } })
    expectError(await call("GET", `/v1/responses/${response.id}`), 404)
    expectError(await call("DELETE", `/v1/responses/${response.id}`), 404)
    expectError(await call("POST", "/v1/responses", { model: "echo", input: "x", previous_response_id: response.id }), 404, "previous_response_id")
  })

  it("answers cancel for a response not created in the background as OpenAI does (400), and 404 for an unknown id", async () => {
    const response = await create({ model: "echo", input: "done already" })
    const cancelled = await call("POST", `/v1/responses/${response.id}/cancel`)
    expectError(cancelled, 400)
    expect(cancelled.body).toMatchObject({ error: { message: "Cannot cancel a synchronous response.", type: "invalid_request_error" } })
    expectError(await call("POST", "/v1/responses/resp_nope/cancel"), 404)
  })
})

describe("conversation state", () => {
  it("continues from previous_response_id: the upstream gets the whole chain, oldest first, without earlier instructions", async () => {
    const first = await create({ model: "gpt-4.1-nano", input: "Invent a holiday", instructions: "old instructions" })
    const second = await create({ model: "gpt-4.1-nano", input: "Another one", previous_response_id: first.id })
    const third = await create({ model: "gpt-4.1-nano", input: "And a third", previous_response_id: second.id, instructions: "be brief" })
    expect(third.raw).toMatchObject({ previous_response_id: second.id })
    // Stored turns come back as content parts (the stored items' form).
    const parts = (text: string) => [{ type: "text", text }]
    expect(fx.upstream.requests.at(-1)?.body["messages"]).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: parts("Invent a holiday") },
      { role: "assistant", content: parts(recordedText) },
      { role: "user", content: parts("Another one") },
      { role: "assistant", content: parts(recordedText) },
      { role: "user", content: "And a third" },
    ])
  })

  it("resolves item_reference inputs to stored items (a function call), and 404s a missing one naming input[i].id", async () => {
    const first = await create({ model: "deepseek-tools", input: "Weather in Paris?", tools: [{ type: "function", name: "get_weather", parameters: { type: "object", properties: {} } }] })
    const fc = first.output.find((item) => item["type"] === "function_call")
    expect(fc).toBeDefined()
    await create({
      model: "gpt-4.1-nano",
      input: [
        { role: "user", content: "Weather in Paris?" },
        { type: "item_reference", id: String(fc?.["id"]) },
        { type: "function_call_output", call_id: String(fc?.["call_id"]), output: "20C" },
      ],
    })
    const messages = fx.upstream.requests.at(-1)?.body["messages"]
    expect(messages).toMatchObject([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", tool_calls: [{ id: fc?.["call_id"], function: { name: fc?.["name"], arguments: fc?.["arguments"] } }] },
      { role: "tool", tool_call_id: fc?.["call_id"], content: "20C" },
    ])
    expectError(
      await call("POST", "/v1/responses", {
        model: "echo",
        input: [
          { role: "user", content: "x" },
          { type: "item_reference", id: "fc_missing_0" },
        ],
      }),
      404,
      "input[1].id",
    )
  })

  it("keeps each tenant's responses from every other: retrieve, list, continue, reference, cancel and delete are 404 for another tenant", async () => {
    const mine = await create({ model: "echo", input: "tenant a's secret" })
    const item = mine.output[0]?.["id"]
    expectError(await call("GET", `/v1/responses/${mine.id}`, undefined, keyB), 404)
    expectError(await call("GET", `/v1/responses/${mine.id}/input_items`, undefined, keyB), 404)
    expectError(await call("POST", "/v1/responses", { model: "echo", input: "x", previous_response_id: mine.id }, keyB), 404, "previous_response_id")
    expectError(await call("POST", "/v1/responses", { model: "echo", input: [{ type: "item_reference", id: String(item) }] }, keyB), 404, "input[0].id")
    expectError(await call("POST", `/v1/responses/${mine.id}/cancel`, undefined, keyB), 404)
    expectError(await call("DELETE", `/v1/responses/${mine.id}`, undefined, keyB), 404)
    expect((await call("GET", `/v1/responses/${mine.id}`)).status).toBe(200)
    // Sending an item under the id of another tenant's item does not replace it.
    await create({ model: "echo", input: [{ type: "message", role: "user", id: String(item), content: "overwritten?" }] }, keyB)
    await create({
      model: "gpt-4.1-nano",
      input: [
        { type: "item_reference", id: String(item) },
        { role: "user", content: "still mine?" },
      ],
    })
    expect(fx.upstream.requests.at(-1)?.body["messages"]).toMatchObject([{ role: "assistant", content: [{ type: "text", text: "tenant a's secret" }] }, { role: "user" }])
  })
})

describe("item ids per tenant", () => {
  it("stores a client's item id for each tenant that sends it, and each tenant's item_reference finds its own item", async () => {
    const id = `msg_${Date.now().toString(36)}`
    const text = (words: string) => [{ type: "message", role: "user", id, content: words }]
    const fromA = await create({ model: "echo", input: text("tenant a's words") })
    const fromB = await create({ model: "echo", input: text("tenant b's words") }, keyB)
    const listed = await call("GET", `/v1/responses/${fromB.id}/input_items`, undefined, keyB)
    expect(listed.body).toMatchObject({ data: [{ id, content: [{ type: "input_text", text: "tenant b's words" }] }] })
    const refer = [
      { type: "item_reference", id },
      { role: "user", content: "and?" },
    ]
    await create({ model: "gpt-4.1-nano", input: refer }, keyB)
    expect(fx.upstream.requests.at(-1)?.body["messages"]).toMatchObject([
      { role: "user", content: [{ type: "text", text: "tenant b's words" }] },
      { role: "user", content: "and?" },
    ])
    await create({ model: "gpt-4.1-nano", input: refer })
    expect(fx.upstream.requests.at(-1)?.body["messages"]).toMatchObject([
      { role: "user", content: [{ type: "text", text: "tenant a's words" }] },
      { role: "user", content: "and?" },
    ])
    // Deleting B's response takes B's item only.
    expect((await call("DELETE", `/v1/responses/${fromB.id}`, undefined, keyB)).status).toBe(200)
    expectError(await call("POST", "/v1/responses", { model: "echo", input: refer }, keyB), 404, "input[0].id")
    expect((await call("GET", `/v1/responses/${fromA.id}/input_items`)).body).toMatchObject({ data: [{ id, content: [{ text: "tenant a's words" }] }] })
    await create({ model: "echo", input: refer })
  })
})

describe("accounting and cancellation", () => {
  it("writes one row per call with endpoint responses: success, streamed success and a rejection", async () => {
    const key = await createKey("tenant-acct")
    await create({ model: "echo", input: "one" }, key)
    const streamed = await call("POST", "/v1/responses", { model: "echo", input: "two words", stream: true }, key)
    expect(streamed.status).toBe(200)
    expectError(await call("POST", "/v1/responses", { model: "echo", input: "x", previous_response_id: "resp_none" }, key), 404)
    await new Promise((r) => setTimeout(r, 600))
    const rows = await fx.sql("SELECT endpoint, stream, outcome, completionTokens FROM gateway.hdb_model_calls WHERE tenant = 'tenant-acct'")
    expect([...rows].sort((a, b) => String(a["outcome"]).localeCompare(String(b["outcome"])) || Number(a["stream"]) - Number(b["stream"]))).toEqual([
      { endpoint: "responses", stream: false, outcome: "rejected", completionTokens: null },
      { endpoint: "responses", stream: false, outcome: "success", completionTokens: 1 },
      { endpoint: "responses", stream: true, outcome: "success", completionTokens: 2 },
    ])
  })

  it("stops the upstream when the client leaves a stream, records it as aborted, and stores nothing", async () => {
    const key = await createKey("tenant-leaves")
    const controller = new AbortController()
    const response = await fetch(`${fx.harper.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "slow", input: "x", stream: true }),
      signal: controller.signal,
    })
    const upstreamRequest = fx.upstream.requests.at(-1)
    const reader = response.body?.getReader()
    const first = await reader?.read()
    const id = /"id":"(resp_[^"]+)"/.exec(new TextDecoder().decode(first?.value))?.[1]
    controller.abort()
    for (let i = 0; i < 100 && upstreamRequest?.closedEarlyAt === undefined; i++) await new Promise((r) => setTimeout(r, 50))
    expect(upstreamRequest?.closedEarlyAt).toBeDefined()
    await new Promise((r) => setTimeout(r, 600))
    expect(await fx.sql("SELECT outcome FROM gateway.hdb_model_calls WHERE tenant = 'tenant-leaves'")).toEqual([{ outcome: "aborted" }])
    expectError(await call("GET", `/v1/responses/${String(id)}`, undefined, key), 404)
  })
})

/**
 * The bounds of a rebuilt conversation, in a Harper of their own with scaled-down
 * bounds: `maxHistoryBytes` 1 MiB (the default 8 MiB / 8) and `maxChainDepth` 5 (the
 * default 1,000 / 200), so the attacks of the findings run in seconds at 1/8 of their
 * size: 8 MiB turns become 1 MiB ones.
 */
describe("bounds of a rebuilt conversation", () => {
  const MAX_HISTORY_BYTES = 1_048_576
  const MAX_CHAIN_DEPTH = 5
  let harper: HarperInstance
  let upstream: ReplayUpstream
  let root: string
  const basic = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`

  beforeAll(async () => {
    upstream = await startReplayUpstream(recordedDir)
    root = mkdtempSync(join(tmpdir(), "harper-gateway-bounds-"))
    harper = await startHarper({
      root,
      admin: ADMIN,
      env: { TEST_UPSTREAM_URL: upstream.url, TEST_UPSTREAM_KEY: UPSTREAM_KEY },
      gatewayConfig: {
        models: {
          generative: {
            echo: { backend: "echo" },
            "gpt-4.1-nano": { backend: "openai", baseUrl: "${TEST_UPSTREAM_URL}/v1", apiKey: "${TEST_UPSTREAM_KEY}", model: "openai-text" },
            // A small window (the recorded answer is some 400 tokens): truncation "auto" has to drop turns.
            "small-window": { backend: "openai", baseUrl: "${TEST_UPSTREAM_URL}/v1", apiKey: "${TEST_UPSTREAM_KEY}", model: "openai-text", contextWindow: 2_000 },
          },
        },
        responses: { maxHistoryBytes: MAX_HISTORY_BYTES, maxChainDepth: MAX_CHAIN_DEPTH },
      },
    })
  }, 180_000)

  afterAll(async () => {
    await harper?.stop()
    await upstream?.close()
    if (root !== undefined) rmSync(root, { recursive: true, force: true })
  }, 60_000)

  async function post(body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${harper.url}/v1/responses`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify(body) })
    return { status: response.status, body: await response.json() }
  }
  const idOf = (answer: { body: unknown }): string => asResponse(answer.body).id

  function rssMb(): number {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${harper.pid}/status`, "utf8"))
    return Number(match?.[1] ?? 0) / 1024
  }

  /** The highest RSS of Harper while `work` runs (sampled every 20 ms), less its RSS before. */
  async function rssGrowthMb(work: () => Promise<unknown>): Promise<number> {
    const before = rssMb()
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 20)
    try {
      await work()
    } finally {
      clearInterval(sampler)
    }
    return Math.max(peak, rssMb()) - before
  }

  it("with truncation auto, sends the upstream a previous_response_id chain over the model's contextWindow without its oldest turn; the stored chain stays whole", async () => {
    const long = Array.from({ length: 3_000 }, (_, i) => `word${i}`).join(" ")
    const first = await post({ model: "small-window", input: long })
    expect(first.status).toBe(200)
    const second = await post({ model: "small-window", input: "Another one", previous_response_id: idOf(first), truncation: "auto" })
    expect(second.status).toBe(200)
    const third = await post({ model: "small-window", input: "And a third", previous_response_id: idOf(second), truncation: "auto", max_output_tokens: 100 })
    expect([third.status, validateResponse(third.body)]).toEqual([200, []])
    expect(third.body).toMatchObject({ truncation: "auto", previous_response_id: idOf(second) })
    const sent = JSON.stringify(upstream.requests.at(-1)?.body["messages"])
    expect(sent).not.toContain("word2999")
    expect(sent).toContain("Another one")
    expect(sent).toContain("And a third")
    // Disabled (the default) sends the same chain whole: the upstream decides.
    const whole = await post({ model: "small-window", input: "And a third", previous_response_id: idOf(second) })
    expect(whole).toMatchObject({ status: 200, body: { truncation: "disabled" } })
    expect(JSON.stringify(upstream.requests.at(-1)?.body["messages"])).toContain("word2999")
    // Only what went upstream was cut: the first turn's stored input is whole.
    const items = await fetch(`${harper.url}/v1/responses/${idOf(first)}/input_items`, { headers: { authorization: basic } })
    expect(JSON.stringify(await items.json())).toContain("word2999")
  }, 60_000)

  it("with truncation auto, refuses with a 400 context_length_exceeded naming input an input that alone exceeds the window, calling no upstream", async () => {
    const before = upstream.requests.length
    const refused = await post({ model: "small-window", input: Array.from({ length: 3_000 }, (_, i) => `word${i}`).join(" "), truncation: "auto" })
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "context_length_exceeded", param: "input" } } })
    expect(validateError(refused.body)).toEqual([])
    expect(upstream.requests.length).toBe(before)
  }, 60_000)

  it("refuses the turn past the depth with a 400 (the chain's last response stays retrievable and its earlier turns continuable), never a 404", async () => {
    const ids: string[] = []
    for (let turn = 1; turn <= MAX_CHAIN_DEPTH; turn++) {
      const answer = await post({ model: "echo", input: `turn ${turn}`, ...(ids.length === 0 ? {} : { previous_response_id: ids.at(-1) }) })
      expect(answer.status).toBe(200)
      ids.push(idOf(answer))
    }
    // The 6th turn here is the 1,001st with the default depth.
    const refused = await post({ model: "echo", input: "one too many", previous_response_id: ids.at(-1) })
    expectError(refused, 400, "previous_response_id")
    expect(refused.body).toMatchObject({ error: { code: "conversation_too_deep", message: expect.stringContaining("responses.maxChainDepth") } })
    const last = await fetch(`${harper.url}/v1/responses/${ids.at(-1)}`, { headers: { authorization: basic } })
    expect(last.status).toBe(200)
    expect(await post({ model: "echo", input: "a branch", previous_response_id: ids.at(-2) })).toMatchObject({ status: 200 })
  })

  it("refuses the findings' attack (turns of 1 MiB, 1/8 scale) at its first continuation, and 16 parallel continuations of it grow Harper's RSS by less than 100 MB", async () => {
    // A first turn has no stored state: the body limit alone bounds it. The echo answers it back, so 2 MiB are stored.
    const first = await post({ model: "echo", input: "a".repeat(MAX_HISTORY_BYTES) })
    expect(first.status).toBe(200)
    const refused = await post({ model: "echo", input: "b".repeat(MAX_HISTORY_BYTES), previous_response_id: idOf(first) })
    expectError(refused, 400, "previous_response_id")
    expect(refused.body).toMatchObject({ error: { code: "context_length_exceeded", message: expect.stringMatching(/1048576 bytes.*responses\.maxHistoryBytes.*truncation/) } })
    const upstreamCalls = upstream.requests.length
    const growth = await rssGrowthMb(async () => {
      const answers = await Promise.all(Array.from({ length: 16 }, () => post({ model: "gpt-4.1-nano", input: "continue", previous_response_id: idOf(first) })))
      for (const answer of answers) expectError(answer, 400, "previous_response_id")
    })
    console.log(`bounds: 16 refused continuations of a 2 MiB history: Harper RSS +${growth.toFixed(0)} MB`)
    expect(growth).toBeLessThan(100)
    expect(upstream.requests.length).toBe(upstreamCalls)
  }, 120_000)

  it("sends 16 parallel continuations of a history just under the bound (4 turns of 120 KiB, 1/8 of 4 turns of 1 MiB) upstream whole, Harper's RSS growing by less than 100 MB", async () => {
    let previous: string | undefined
    for (let turn = 1; turn <= 4; turn++) {
      const answer = await post({ model: "echo", input: String(turn).repeat(120 * 1024), ...(previous === undefined ? {} : { previous_response_id: previous }) })
      expect(answer.status).toBe(200)
      previous = idOf(answer)
    }
    const growth = await rssGrowthMb(async () => {
      const answers = await Promise.all(Array.from({ length: 16 }, () => post({ model: "gpt-4.1-nano", input: "continue", previous_response_id: previous })))
      for (const answer of answers) expect(answer.status).toBe(200)
    })
    const sent = upstream.requests.slice(-16).map((request) => JSON.stringify(request.body["messages"]).length)
    console.log(`bounds: 16 continuations of a ${(sent[0] ?? 0) >> 10} KiB history sent upstream: Harper RSS +${growth.toFixed(0)} MB`)
    // Each got the whole history: 4 user turns and their 4 echoed answers, then the new input.
    for (const size of sent) expect(size).toBeGreaterThan(8 * 120 * 1024)
    expect(growth).toBeLessThan(100)
  }, 120_000)

  it("refuses 16 parallel requests that each reference twenty-four 600 KiB stored items (1/8 of the findings' hundred 20 MB images) after reading at most one item each: Harper's RSS grows by less than 100 MB", async () => {
    // Stored in one first turn (no stored state: the body limit alone bounds it).
    const items = Array.from({ length: 24 }, (_, i) => ({ type: "message", role: "user", id: `msg_image_${i}`, content: "i".repeat(600 * 1024) }))
    expect((await post({ model: "echo", input: items })).status).toBe(200)
    const references = items.map(({ id }) => ({ type: "item_reference", id }))
    const upstreamCalls = upstream.requests.length
    const started = Date.now()
    const growth = await rssGrowthMb(async () => {
      const answers = await Promise.all(Array.from({ length: 16 }, () => post({ model: "gpt-4.1-nano", input: [...references, { role: "user", content: "describe them" }] })))
      for (const answer of answers) {
        expectError(answer, 400, "input")
        expect(answer.body).toMatchObject({ error: { code: "context_length_exceeded" } })
      }
    })
    console.log(`bounds: 16 refused requests referencing 24 stored items of 600 KiB: Harper RSS +${growth.toFixed(0)} MB, ${Date.now() - started} ms`)
    expect(growth).toBeLessThan(100)
    expect(upstream.requests.length).toBe(upstreamCalls)
    // The same items within the bound are still read and sent: one reference fits.
    expect(await post({ model: "gpt-4.1-nano", input: [references[0], { role: "user", content: "describe it" }] })).toMatchObject({ status: 200 })
  }, 120_000)
})
