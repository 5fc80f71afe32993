import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { specValidator } from "../../translate/test/openapi-validator.ts"
import { capturesDir, recordedDir } from "../../translate/test/shared-dir.ts"
import { CAPTURED_EMBEDDING, FIDELITY_ANSWERS } from "./fidelity-upstream.ts"
import { startGatewayFixture, type GatewayFixture } from "./harper-fixture.ts"

/**
 * Issue 10 §0 through a real Harper: what real clients send and accept must not fail
 * here. Each case is compared with what the upstream sent (fidelity-upstream.ts).
 */
let fx: GatewayFixture
const validateCompletion = specValidator("CreateChatCompletionResponse")
const validateChunk = specValidator("CreateChatCompletionStreamResponse")
const validateError = specValidator("ErrorResponse")
const validateEmbeddings = specValidator("CreateEmbeddingResponse")

type Json = Record<string, unknown>

/** What the test reads of a stream event; the rest is checked against the spec. */
const asEvent = Schema.decodeUnknownSync(
  Schema.Struct({
    error: Schema.optionalKey(Schema.Unknown),
    usage: Schema.optionalKey(Schema.NullOr(Schema.Unknown)),
    choices: Schema.optionalKey(
      Schema.Array(
        Schema.Struct({
          index: Schema.Number,
          delta: Schema.Struct({ content: Schema.optionalKey(Schema.NullOr(Schema.String)), reasoning_content: Schema.optionalKey(Schema.String) }),
          finish_reason: Schema.NullOr(Schema.String),
        }),
      ),
    ),
  }),
)
type StreamEvent = ReturnType<typeof asEvent>

/** The value at a path of parsed JSON, undefined where the path does not exist. */
function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current = value
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = Reflect.get(current, key)
  }
  return current
}

beforeAll(async () => {
  const fidelityModels = (openai: (model: string) => Record<string, unknown>) => Object.fromEntries(Object.keys(FIDELITY_ANSWERS).map((name) => [name, openai(name)]))
  fx = await startGatewayFixture(recordedDir, fidelityModels, {}, (openai) => ({ "fidelity-embed": openai("fidelity-embed") }))
}, 180_000)

afterAll(async () => {
  await fx?.close()
}, 60_000)

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${fx.harper.url}${path}`, { method: "POST", headers: { authorization: fx.basic, "content-type": "application/json" }, body: JSON.stringify(body) })
}

async function complete(model: string, extra: Json = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }], ...extra })
  return { status: response.status, body: await response.json(), headers: response.headers }
}

/** A stream's data events, the parsed chunks (each spec-checked) and whether it ended with [DONE]. */
async function streamed(model: string, extra: Json = {}): Promise<{ status: number; chunks: StreamEvent[]; errors: unknown[]; done: boolean }> {
  const response = await post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true }, ...extra })
  const text = await response.text()
  if (response.status !== 200) return { status: response.status, chunks: [], errors: [JSON.parse(text)], done: false }
  const data = text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice("data: ".length))
  const done = data.at(-1) === "[DONE]"
  const events: unknown[] = data.filter((item) => item !== "[DONE]").map((item) => JSON.parse(item))
  const chunks = events.filter((event) => at(event, "error") === undefined)
  for (const chunk of chunks) expect(validateChunk(chunk)).toEqual([])
  return { status: response.status, chunks: chunks.map((chunk) => asEvent(chunk)), errors: events.filter((event) => at(event, "error") !== undefined), done }
}

const choicesOf = (chunks: readonly StreamEvent[], index = 0) => chunks.flatMap((c) => c.choices ?? []).filter((c) => c.index === index)
const contentOf = (chunks: readonly StreamEvent[], index = 0) =>
  choicesOf(chunks, index)
    .map((c) => c.delta.content ?? "")
    .join("")
const reasoningOf = (chunks: readonly StreamEvent[], index = 0) =>
  choicesOf(chunks, index)
    .map((c) => c.delta.reasoning_content ?? "")
    .join("")
const finishesOf = (chunks: readonly StreamEvent[], index = 0) => choicesOf(chunks, index).flatMap((c) => (c.finish_reason === null ? [] : [c.finish_reason]))
const upstreamAnswer = (model: string): unknown => {
  const answer = FIDELITY_ANSWERS[model]?.answer
  if (answer?.kind !== "json") throw new Error(`no JSON answer for ${model}`)
  return answer.body
}

describe("fidelity through a real Harper (issue 10 §0)", () => {
  it("accepts every spec-valid request the gateway used to refuse, and echoed response fields (200, spec-valid)", async () => {
    const history = (assistant: Json) => [
      { role: "user", content: "hi" },
      { role: "assistant", content: "earlier answer", ...assistant },
      { role: "user", content: "again" },
    ]
    const cases: Record<string, Json> = {
      "assistant audio null": { messages: history({ audio: null }) },
      "assistant audio {id}": { messages: history({ audio: { id: "audio_abc123" } }) },
      "function_call null": { messages: history({ function_call: null }) },
      "role function": {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: null, function_call: { name: "lookup", arguments: "{}" } },
          { role: "function", name: "lookup", content: '{"ok":true}' },
        ],
      },
      "tool_choice allowed_tools": {
        messages: [{ role: "user", content: "hi" }],
        tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }],
        tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "lookup" } }] } },
      },
      "refusal null and annotations []": { messages: history({ refusal: null, annotations: [] }) },
      parsed: { messages: history({ parsed: { answer: 42 } }) },
      "cache_control on a part": { messages: [{ role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }] }] },
    }
    const statuses: Record<string, number> = {}
    for (const [name, body] of Object.entries(cases)) {
      const response = await post("/v1/chat/completions", { model: "gpt-4.1-nano", ...body })
      statuses[name] = response.status
      const json = await response.json()
      if (response.status === 200) expect(validateCompletion(json)).toEqual([])
      else statuses[`${name}: ${JSON.stringify(json)}`] = response.status
      // Accepted-and-ignored fields are not sent on.
      const sent = JSON.stringify(fx.upstream.requests.at(-1)?.body ?? {})
      for (const dropped of ["cache_control", "parsed", "annotations"]) expect(sent).not.toContain(dropped)
    }
    expect(statuses).toEqual(Object.fromEntries(Object.keys(cases).map((name) => [name, 200])))
  })

  it("repairs answers clients accept from a provider (missing id/created/model/finish_reason, created as text, content parts, tool call without id, object arguments): 200, spec-valid", async () => {
    const missing = await complete("fidelity-missing-identity")
    expect(missing.status).toBe(200)
    expect(validateCompletion(missing.body)).toEqual([])
    expect(missing.body).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      model: "fidelity-missing-identity",
      choices: [{ message: { content: at(upstreamAnswer("fidelity-missing-identity"), "choices", 0, "message", "content") }, finish_reason: "stop" }],
    })
    expect(Math.abs(Number(at(missing.body, "created")) - Date.now() / 1000)).toBeLessThan(600)

    const created = await complete("fidelity-created-string")
    expect(created.status).toBe(200)
    expect(validateCompletion(created.body)).toEqual([])
    expect(at(created.body, "choices", 0, "message", "content")).toBe("created is text")

    const parts = await complete("fidelity-content-parts")
    expect(parts.status).toBe(200)
    expect(validateCompletion(parts.body)).toEqual([])
    const sentParts = at(upstreamAnswer("fidelity-content-parts"), "choices", 0, "message", "content")
    expect(at(parts.body, "choices", 0, "message")).toMatchObject({ content: at(sentParts, 1, "text"), reasoning_content: at(sentParts, 0, "thinking", 0, "text") })

    const tools = await complete("fidelity-tool-call-repairs")
    expect(tools.status).toBe(200)
    expect(validateCompletion(tools.body)).toEqual([])
    expect(at(tools.body, "choices", 0)).toMatchObject({
      finish_reason: "tool_calls",
      message: { content: null, tool_calls: [{ id: expect.stringMatching(/.+/), type: "function", function: { name: "lookup", arguments: JSON.stringify({ city: "Paris" }) } }] },
    })
    // Each repaired answer says so in its accounting row; an answer that needed nothing says nothing.
    await new Promise((r) => setTimeout(r, 400))
    const rows = await fx.sql("SELECT logicalModel, repaired, finishReason FROM gateway.hdb_model_calls WHERE logicalModel IN ('fidelity-missing-identity', 'fidelity-created-string', 'fidelity-tool-call-repairs') AND stream = false")
    expect(rows.length).toBe(3)
    for (const row of rows) expect([row["logicalModel"], Array.isArray(row["repaired"]) && row["repaired"].length > 0]).toEqual([row["logicalModel"], true])
    const toolRow = rows.find((row) => row["logicalModel"] === "fidelity-tool-call-repairs")
    expect(toolRow?.["finishReason"]).toBe("tool_calls")
  })

  it("streams content parts, [DONE] without a finish reason and chunks without choices as valid streams; a stream cut without [DONE] stays an error", async () => {
    const parts = await streamed("fidelity-content-parts")
    expect(parts).toMatchObject({ status: 200, done: true, errors: [] })
    expect(contentOf(parts.chunks)).toBe("2 + 2 = 4.")
    expect(reasoningOf(parts.chunks)).toBe("Okay, the user asks for 2 + 2.")

    const noFinish = await streamed("fidelity-done-without-finish")
    expect(noFinish).toMatchObject({ status: 200, done: true, errors: [] })
    expect(contentOf(noFinish.chunks)).toBe("ends with [DONE] but no finish")
    expect(finishesOf(noFinish.chunks)).toEqual(["stop"])

    await new Promise((r) => setTimeout(r, 400))
    const noFinishRow = await fx.sql("SELECT repaired, finishReason, rawFinishReason FROM gateway.hdb_model_calls WHERE logicalModel = 'fidelity-done-without-finish' AND stream = true")
    expect(noFinishRow.length).toBe(1)
    expect(noFinishRow[0]?.["finishReason"]).toBe("stop")
    expect(noFinishRow[0]?.["rawFinishReason"] ?? null).toBe(null)
    expect(Array.isArray(noFinishRow[0]?.["repaired"]) && noFinishRow[0]?.["repaired"].length).toBeGreaterThan(0)

    const noChoices = await streamed("fidelity-chunks-without-choices")
    expect(noChoices).toMatchObject({ status: 200, done: true, errors: [] })
    expect(contentOf(noChoices.chunks)).toBe("some chunks have no choices")
    expect(finishesOf(noChoices.chunks)).toEqual(["stop"])
    expect(noChoices.chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 })

    const cut = await streamed("fidelity-cut-stream")
    expect(cut.done).toBe(false)
    expect(cut.errors.length).toBe(1)
    expect(finishesOf(cut.chunks)).toEqual([])
  })

  it("passes annotations, logprobs, citations and content null to the client as the upstream sent them", async () => {
    const rich = await complete("fidelity-rich", { logprobs: true, top_logprobs: 1 })
    expect(rich.status).toBe(200)
    expect(validateCompletion(rich.body)).toEqual([])
    const sent = upstreamAnswer("fidelity-rich")
    expect(at(rich.body, "citations")).toEqual(at(sent, "citations"))
    expect(at(rich.body, "choices", 0, "message", "annotations")).toEqual(at(sent, "choices", 0, "message", "annotations"))
    expect(at(rich.body, "choices", 0, "logprobs")).toEqual(at(sent, "choices", 0, "logprobs"))
    expect(at(rich.body, "usage")).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9, prompt_tokens_details: { cached_tokens: 2 }, queue_time: 0.012, prompt_cache_hit_tokens: 2, prompt_cache_miss_tokens: 3 })
    expect(fx.upstream.requests.at(-1)?.body).toMatchObject({ logprobs: true, top_logprobs: 1 })

    const refusal = await complete("fidelity-content-null")
    expect(refusal.status).toBe(200)
    expect(validateCompletion(refusal.body)).toEqual([])
    expect(at(refusal.body, "choices", 0, "message")).toMatchObject({ content: null, refusal: "I can't help with that." })
  })

  it("keeps the meaning of upstream errors: 401/403 are 502 not to retry, 404/409/413/422 keep their status, retry-after 120 stays 120", async () => {
    const seen: Record<string, unknown> = {}
    for (const status of [401, 403]) {
      const { status: got, body, headers } = await complete(`fidelity-status-${status}`)
      expect(validateError(body)).toEqual([])
      seen[status] = [got, headers.get("x-should-retry")]
    }
    for (const status of [404, 409, 413, 422]) {
      const { status: got, body } = await complete(`fidelity-status-${status}`)
      expect(validateError(body)).toEqual([])
      seen[status] = got
    }
    expect(seen).toEqual({ 401: [502, "false"], 403: [502, "false"], 404: 404, 409: 409, 413: 413, 422: 422 })
    const limited = await complete("fidelity-retry-after-120")
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toBe("120")
  })

  it("gives a float embeddings client exactly the upstream's numbers (0.1 stays 0.1), and a base64 client the upstream's base64", async () => {
    const capture: unknown = JSON.parse(readFileSync(join(capturesDir, "aisdk-compat-embed.json"), "utf8"))
    expect(at(capture, "requests", 0, "response", "json", "data", 0, "embedding")).toEqual(CAPTURED_EMBEDDING)
    // The AI SDK's own request body, pointed at the gateway's model.
    expect(at(capture, "requests", 0, "body")).toEqual({ model: "test-embed", input: ["hello"], encoding_format: "float" })
    const float = await post("/v1/embeddings", { model: "fidelity-embed", input: ["hello"], encoding_format: "float" })
    expect(float.status).toBe(200)
    const text = await float.text()
    expect(validateEmbeddings(JSON.parse(text))).toEqual([])
    expect(text).toContain('"embedding":[0.1,0.11,0.12,0.13]')
    expect(fx.upstream.requests.at(-1)?.body).toMatchObject({ encoding_format: "float" })
    console.log(`float client got ${JSON.stringify(at(JSON.parse(text), "data", 0, "embedding"))} (upstream sent ${JSON.stringify(CAPTURED_EMBEDDING)})`)

    const base64 = await post("/v1/embeddings", { model: "fidelity-embed", input: ["hello"], encoding_format: "base64" })
    expect(base64.status).toBe(200)
    const body: unknown = await base64.json()
    expect(fx.upstream.requests.at(-1)?.body).toMatchObject({ encoding_format: "base64" })
    expect(at(body, "data", 0, "embedding")).toBe(Buffer.from(Float32Array.from(CAPTURED_EMBEDDING).buffer).toString("base64"))
  })

  it("n = 2 through the openai backend gives both choices, streamed and not; the echo model refuses n = 2 with a 400 naming n", async () => {
    const two = await complete("fidelity-n2", { n: 2 })
    expect(two.status).toBe(200)
    expect(validateCompletion(two.body)).toEqual([])
    expect(fx.upstream.requests.at(-1)?.body).toMatchObject({ n: 2 })
    const sent = upstreamAnswer("fidelity-n2")
    const summary = (answer: unknown) => [0, 1].map((i) => [at(answer, "choices", i, "index"), at(answer, "choices", i, "message", "content"), at(answer, "choices", i, "finish_reason")])
    expect(at(two.body, "choices", 2)).toBeUndefined()
    expect(summary(two.body)).toEqual(summary(sent))
    expect(summary(two.body)).toEqual([
      [0, "Heads.", "stop"],
      [1, "Tails.", "stop"],
    ])

    const stream = await streamed("fidelity-n2", { n: 2 })
    expect(stream).toMatchObject({ status: 200, done: true, errors: [] })
    expect([contentOf(stream.chunks, 0), contentOf(stream.chunks, 1)]).toEqual(["Heads.", "Tails."])
    expect([finishesOf(stream.chunks, 0), finishesOf(stream.chunks, 1)]).toEqual([["stop"], ["length"]])

    for (const streamIt of [false, true]) {
      const response = await post("/v1/chat/completions", { model: "echo", messages: [{ role: "user", content: "hi" }], n: 2, stream: streamIt })
      expect(response.status).toBe(400)
      const body: unknown = await response.json()
      expect(validateError(body)).toEqual([])
      expect(at(body, "error")).toMatchObject({ param: "n", type: "invalid_request_error" })
    }
  })
})
