import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { base64ToFloat32, encodeSseData, encodeStreamEvent, initialStreamEncoderState, SSE_DONE, Wire } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { specValidator } from "../../translate/test/openapi-validator.ts"
import { recordedChunks } from "../../translate/test/recorded-stream.ts"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./harper-fixture.ts"

/** Responses are read through translate's wire schemas: a wrong shape fails the test here. */
const asCompletion = Schema.decodeUnknownSync(Wire.ChatCompletion)
const asChunk = Schema.decodeUnknownSync(Wire.ChatCompletionChunk)
const asError = Schema.decodeUnknownSync(Wire.ErrorBody)
const asEmbeddings = Schema.decodeUnknownSync(Wire.EmbeddingsResponse)
const asModelList = Schema.decodeUnknownSync(Wire.ModelList)
const asModel = Schema.decodeUnknownSync(Wire.ModelObject)
const asKey = Schema.decodeUnknownSync(Schema.Struct({ id: Schema.String, key: Schema.String }))

let fx: GatewayFixture
let key: string
const validateCompletion = specValidator("CreateChatCompletionResponse")
const validateChunk = specValidator("CreateChatCompletionStreamResponse")
const validateError = specValidator("ErrorResponse")

beforeAll(async () => {
  fx = await startGatewayFixture(recordedDir)
  const created = await fetch(`${fx.harper.url}/gateway/keys`, {
    method: "POST",
    headers: { authorization: fx.basic, "content-type": "application/json" },
    body: JSON.stringify({ user: "admin", tenant: "acme" }),
  })
  expect(created.status).toBe(201)
  key = asKey(await created.json()).key
}, 180_000)

afterAll(async () => {
  await fx?.close()
}, 60_000)

/** `authorization: null` sends no credentials at all. */
function post(path: string, body: unknown, authorization: string | null = `Bearer ${key}`, init: RequestInit = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" }
  if (authorization !== null) headers["authorization"] = authorization
  return fetch(`${fx.harper.url}${path}`, { method: "POST", headers, body: JSON.stringify(body), ...init })
}

function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((frame) => frame !== "")
    .map((frame) => frame.replace(/^data: /, ""))
}

/** What the gateway must send for a recorded upstream stream: translate's reducers over the recording. */
function expectedSse(recording: string, identity: { id: string; created: number; model: string }, includeUsage: boolean): string {
  const chunks = recordedChunks(recording)
  let encoder = initialStreamEncoderState(identity, includeUsage)
  let text = ""
  for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
    const [next, outputs] = encodeStreamEvent(encoder, event)
    encoder = next
    for (const output of outputs) text += output.type === "chunk" ? encodeSseData(output.chunk) : output.type === "done" ? SSE_DONE : ""
  }
  return text
}

describe("the gateway in a real Harper, against a replaying upstream", () => {
  it("answers a non-streamed chat with the upstream's completion, valid per the official spec", async () => {
    const response = await post("/v1/chat/completions", { model: "gpt-4.1-nano", messages: [{ role: "user", content: "Invent a holiday" }] })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    const json: unknown = await response.json()
    expect(validateCompletion(json)).toEqual([])
    const body = asCompletion(json)
    const recorded = asCompletion(JSON.parse(readFileSync(join(recordedDir, "openai-text.json"), "utf8")))
    expect(body.choices[0]?.message.content).toBe(recorded.choices[0]?.message.content)
    expect(body.model).toBe(recorded.model)
    expect(body.usage?.prompt_tokens).toBe(recorded.usage?.prompt_tokens)
    const upstreamRequest = fx.upstream.requests.at(-1)
    expect(upstreamRequest?.body["model"]).toBe("openai-text")
    expect(upstreamRequest?.headers["authorization"]).toBe(`Bearer ${UPSTREAM_KEY}`)
  })

  it("streams exactly the bytes translate's encoder makes, with the usage chunk when asked", async () => {
    for (const includeUsage of [true, false]) {
      const response = await post("/v1/chat/completions", {
        model: "gpt-4.1-nano",
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
        messages: [{ role: "user", content: "Invent a holiday" }],
      })
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("text/event-stream")
      const text = await response.text()
      const first = asChunk(JSON.parse(sseData(text)[0] ?? "{}"))
      expect(text).toBe(expectedSse("openai-text", { id: first.id ?? "", created: typeof first.created === "number" ? first.created : 0, model: first.model ?? "" }, includeUsage))
      for (const data of sseData(text).slice(0, -1)) expect(validateChunk(JSON.parse(data))).toEqual([])
      expect(sseData(text).filter((d) => d.includes('"choices":[]')).length).toBe(includeUsage ? 1 : 0)
      // The gateway always asks the upstream for usage, so streamed calls are accounted.
      expect(fx.upstream.requests.at(-1)?.body["stream_options"]).toEqual({ include_usage: true })
    }
  })

  it("streams tool calls incrementally, with index, and the arguments reassemble", async () => {
    const response = await post("/v1/chat/completions", {
      model: "deepseek-tools",
      stream: true,
      messages: [{ role: "user", content: "Weather in San Francisco?" }],
      tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } } }],
    })
    const frames = sseData(await response.text())
    expect(frames.at(-1)).toBe("[DONE]")
    const chunks = frames.slice(0, -1).map((f) => asChunk(JSON.parse(f)))
    const deltas = chunks.flatMap((c) => c.choices?.[0]?.delta?.tool_calls ?? [])
    // The raw first tool-call delta, exactly as sent (no schema defaults in between).
    expect(JSON.parse(frames.find((f) => f.includes('"tool_calls"')) ?? "{}").choices[0].delta.tool_calls[0]).toEqual({ index: 0, id: expect.any(String), type: "function", function: { name: "weather", arguments: "" } })
    expect(deltas.length).toBeGreaterThan(3)
    expect(deltas.every((d) => d.index === 0)).toBe(true)
    const args = deltas.map((d) => d.function?.arguments ?? "").join("")
    expect(JSON.parse(args)).toEqual({ location: "San Francisco" })
    const finish = chunks.map((c) => c.choices?.[0]?.finish_reason).filter((r) => r !== null && r !== undefined)
    expect(finish).toEqual(["tool_calls"])
  })

  it("serves embeddings in input order, float and base64, passing dimensions and token arrays through", async () => {
    const float = await post("/v1/embeddings", { model: "text-embedding-3-small", input: ["a", "b", "c"], dimensions: 4 })
    const json: unknown = await float.json()
    expect(specValidator("CreateEmbeddingResponse")(json)).toEqual([])
    const body = asEmbeddings(json)
    expect(body.data.map((d) => [d.index, typeof d.embedding === "string" ? -1 : Math.round(d.embedding[0] ?? -1)])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ])
    expect(body.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 })
    expect(fx.upstream.requests.at(-1)?.body).toMatchObject({ dimensions: 4, encoding_format: "float" })
    const base64 = asEmbeddings(await (await post("/v1/embeddings", { model: "text-embedding-3-small", input: [[1, 2, 3], [4]], encoding_format: "base64" })).json())
    const second = base64.data[1]?.embedding
    expect(typeof second === "string" ? Array.from(base64ToFloat32(second) ?? []) : second).toEqual([
      1, 1.0099999904632568, 1.0199999809265137, 1.0299999713897705, 1.0399999618530273, 1.0499999523162842, 1.059999942779541, 1.0700000524520874,
    ])
    expect(fx.upstream.requests.at(-1)?.body["input"]).toEqual([[1, 2, 3], [4]])
  })

  it("ends a stream that fails after its first byte with one error event and no [DONE]", async () => {
    for (const [model, code] of [
      ["stalls", "upstream_timeout"],
      ["cuts", "upstream_unavailable"],
    ] as const) {
      const started = Date.now()
      const response = await post("/v1/chat/completions", { model, stream: true, messages: [{ role: "user", content: "x" }] })
      expect(response.status).toBe(200)
      const frames = sseData(await response.text())
      const last = JSON.parse(frames.at(-1) ?? "{}")
      expect(frames).not.toContain("[DONE]")
      expect(frames.filter((f) => f.includes('"error"')).length).toBe(1)
      expect(validateError(last)).toEqual([])
      expect(last.error.code, model).toBe(code)
      expect(frames.length).toBeGreaterThan(2)
      // Stopped by its 300 ms idle clock, not the 1 min default or the total deadline; the margin is for a loaded 2-core machine (5.2 s was seen there).
      if (model === "stalls") expect(Date.now() - started).toBeLessThan(20_000)
    }
    await new Promise((r) => setTimeout(r, 300))
    const rows = await fx.sql("SELECT logicalModel, outcome, errorCode FROM gateway.hdb_model_calls WHERE logicalModel = 'stalls' OR logicalModel = 'cuts'")
    expect([...rows].sort((a, b) => String(a["logicalModel"]).localeCompare(String(b["logicalModel"])))).toEqual([
      { logicalModel: "cuts", outcome: "error", errorCode: "upstream_unavailable" },
      { logicalModel: "stalls", outcome: "error", errorCode: "upstream_timeout" },
    ])
  })

  it("lists and retrieves models, and 404s an unknown one", async () => {
    const headers = { authorization: `Bearer ${key}` }
    const listed: unknown = await (await fetch(`${fx.harper.url}/v1/models`, { headers })).json()
    expect(specValidator("ListModelsResponse")(listed)).toEqual([])
    expect(asModelList(listed).data.map((m) => m.id)).toEqual(expect.arrayContaining(["gpt-4.1-nano", "echo", "text-embedding-3-small", "openai-text"]))
    const one = await fetch(`${fx.harper.url}/v1/models/gpt-4.1-nano`, { headers })
    expect(asModel(await one.json())).toMatchObject({ id: "gpt-4.1-nano", object: "model" })
    const missing = await fetch(`${fx.harper.url}/v1/models/nope`, { headers })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: { code: "model_not_found" } })
  })

  it("answers errors OpenAI-shaped with the right status: 400 with param, 404 model, upstream 429 stays 429, 5xx hides the upstream", async () => {
    const bad = await post("/v1/chat/completions", { model: "echo", messages: [{ role: "user", content: 5 }] })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { type: "invalid_request_error", param: "messages[0].content" } })
    const unknown = await post("/v1/chat/completions", { model: "gpt-9", messages: [{ role: "user", content: "x" }] })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: { code: "model_not_found", param: "model" } })
    const limited = await post("/v1/chat/completions", { model: "limited", messages: [{ role: "user", content: "x" }] })
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toBe("3")
    expect(limited.headers.get("retry-after-ms")).toBe("3000")
    const limitedStream = await post("/v1/chat/completions", { model: "limited", stream: true, messages: [{ role: "user", content: "x" }] })
    expect(limitedStream.status).toBe(429)
    const broken = await post("/v1/chat/completions", { model: "broken", messages: [{ role: "user", content: "x" }] })
    expect(broken.status).toBe(502)
    const text = await broken.text()
    expect(text).not.toContain("secret")
    expect(validateError(JSON.parse(text))).toEqual([])
    for (const [method, path] of [
      ["GET", "/v1/chat/completions"],
      ["POST", "/v1/models"],
      ["GET", "/v1/nope"],
      ["DELETE", "/v1/embeddings"],
    ] as const) {
      const response = await fetch(`${fx.harper.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } })
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400)
      expect(validateError(await response.json()), `${method} ${path}`).toEqual([])
    }
  })

  it("authenticates: 401s for missing, malformed and wrong credentials, 403 without permission, Basic, JWT, keys and roles work", async () => {
    const ask = (authorization: string | null) => post("/v1/chat/completions", { model: "echo", messages: [{ role: "user", content: "hi" }] }, authorization)
    for (const authorization of [null, "Bearer sk-nope", `Basic ${Buffer.from("admin:wrong").toString("base64")}`, "Token abc", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.bad"]) {
      const response = await ask(authorization)
      expect(response.status, String(authorization)).toBe(401)
      const body: unknown = await response.json()
      expect(validateError(body)).toEqual([])
      expect(asError(body).error.type).toBe("authentication_error")
    }
    expect((await ask(fx.basic)).status).toBe(200)
    const tokens = await fx.operation({ operation: "create_authentication_tokens" })
    const jwt = Schema.decodeUnknownSync(Schema.Struct({ operation_token: Schema.String }))(tokens.body).operation_token
    expect((await ask(`Bearer ${jwt}`)).status).toBe(200)

    await fx.operation({ operation: "add_role", role: "gateway_user", permission: { super_user: false } })
    await fx.operation({ operation: "add_role", role: "outsider", permission: { super_user: false } })
    await fx.operation({ operation: "add_user", role: "gateway_user", username: "alice", password: "alice-pw", active: true })
    await fx.operation({ operation: "add_user", role: "outsider", username: "mallory", password: "mallory-pw", active: true })
    expect((await ask(`Basic ${Buffer.from("alice:alice-pw").toString("base64")}`)).status).toBe(200)
    const denied = await ask(`Basic ${Buffer.from("mallory:mallory-pw").toString("base64")}`)
    expect(denied.status).toBe(403)
    expect(asError(await denied.json()).error.type).toBe("permission_error")
  })

  it("revokes gateway keys", async () => {
    const created = asKey(await (await post("/gateway/keys", { user: "admin", tenant: "temp" }, fx.basic)).json())
    expect((await post("/v1/chat/completions", { model: "echo", messages: [{ role: "user", content: "hi" }] }, `Bearer ${created.key}`)).status).toBe(200)
    const revoked = await fetch(`${fx.harper.url}/gateway/keys/${created.id}`, { method: "DELETE", headers: { authorization: fx.basic } })
    expect(revoked.status).toBe(200)
    expect((await post("/v1/chat/completions", { model: "echo", messages: [{ role: "user", content: "hi" }] }, `Bearer ${created.key}`)).status).toBe(401)
    const listed = await (await fetch(`${fx.harper.url}/gateway/keys`, { headers: { authorization: fx.basic } })).json()
    expect(JSON.stringify(listed)).not.toContain(created.key)
    expect(JSON.stringify(listed)).not.toContain("hash")
  })

  it("aborts the upstream request at once when the client disconnects, and accounts the call as aborted", async () => {
    const controller = new AbortController()
    const response = await post("/v1/chat/completions", { model: "slow", stream: true, messages: [{ role: "user", content: "long" }] }, `Bearer ${key}`, { signal: controller.signal })
    const reader = response.body!.getReader()
    // The upstream sends a chunk every 100 ms: events arriving spread out proves each is flushed as it comes.
    const arrivals: number[] = []
    let received = ""
    while (arrivals.length < 4) {
      const { value } = await reader.read()
      received += new TextDecoder().decode(value)
      const events = received.split("\n\n").length - 1
      while (arrivals.length < events) arrivals.push(Date.now())
    }
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(150)
    const upstreamRequest = fx.upstream.requests.at(-1)
    const abortedAt = Date.now()
    controller.abort()
    for (let i = 0; i < 50 && upstreamRequest?.closedEarlyAt === undefined; i++) await new Promise((r) => setTimeout(r, 20))
    expect(upstreamRequest?.closedEarlyAt).toBeDefined()
    console.log(`upstream closed ${(upstreamRequest?.closedEarlyAt ?? 0) - abortedAt} ms after the client disconnected`)
    await new Promise((r) => setTimeout(r, 400))
    const rows = await fx.sql("SELECT outcome, completionTokens, tokensEstimated FROM gateway.hdb_model_calls WHERE logicalModel = 'slow'")
    expect(rows).toEqual([{ outcome: "aborted", completionTokens: expect.any(Number), tokensEstimated: true }])
  })

  it("aborts the upstream request when a client leaves a non-streamed chat or embeddings call", async () => {
    for (const [path, body, logicalModel] of [
      ["/v1/chat/completions", { model: "slow-json", messages: [{ role: "user", content: "x" }] }, "slow-json"],
      ["/v1/embeddings", { model: "slow-embedding", input: "x" }, "slow-embedding"],
    ] as const) {
      const controller = new AbortController()
      const pending = post(path, body, `Bearer ${key}`, { signal: controller.signal }).catch((error: unknown) => error)
      for (let i = 0; i < 50 && fx.upstream.requests.at(-1)?.body["model"] !== (logicalModel === "slow-json" ? "slow-openai-text" : "slow-embedding"); i++) {
        await new Promise((r) => setTimeout(r, 20))
      }
      const upstreamRequest = fx.upstream.requests.at(-1)
      const abortedAt = Date.now()
      controller.abort()
      await pending
      for (let i = 0; i < 50 && upstreamRequest?.closedEarlyAt === undefined; i++) await new Promise((r) => setTimeout(r, 20))
      expect(upstreamRequest?.closedEarlyAt, path).toBeDefined()
      console.log(`${path}: upstream closed ${(upstreamRequest?.closedEarlyAt ?? 0) - abortedAt} ms after the client disconnected`)
      await new Promise((r) => setTimeout(r, 300))
      const rows = await fx.sql(`SELECT outcome, status FROM gateway.hdb_model_calls WHERE logicalModel = '${logicalModel}'`)
      expect(rows).toEqual([{ outcome: "aborted", status: 499 }])
    }
  })

  it("writes one accounting row per call, with the tenant and tokens for streamed calls", async () => {
    await new Promise((r) => setTimeout(r, 400))
    const rows = await fx.sql("SELECT * FROM gateway.hdb_model_calls")
    const streamed = rows.filter((row) => row["stream"] === true && row["logicalModel"] === "gpt-4.1-nano")
    expect(streamed.length).toBe(2)
    for (const row of streamed) expect(row).toMatchObject({ tenant: "acme", user: "admin", backend: "openai", upstreamModel: "openai-text", outcome: "success", promptTokens: 16, completionTokens: 300 })
    const limited = rows.filter((row) => row["logicalModel"] === "limited")
    expect(limited.map((row) => [row["outcome"], row["status"], row["errorCode"]])).toEqual([
      ["error", 429, "rate_limit_exceeded"],
      ["error", 429, "rate_limit_exceeded"],
    ])
    const unknownModel = rows.filter((row) => row["logicalModel"] === "gpt-9")
    expect(unknownModel.map((row) => row["outcome"])).toEqual(["rejected"])
    expect(JSON.stringify(rows)).not.toContain(UPSTREAM_KEY)
  })
})
