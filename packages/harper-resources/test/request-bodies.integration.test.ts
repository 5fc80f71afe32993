import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { startGatewayFixture, type GatewayFixture } from "./harper-fixture.ts"

/**
 * Bodies the gateway must refuse or carry rather than crash on (the attack findings):
 * integers beyond 2^53, invalid UTF-8, lone surrogates. The body is written as text
 * here: JSON.stringify cannot write such numbers.
 */
let fx: GatewayFixture
const BIG = "123456789012345678901"
const asError = Schema.decodeUnknownSync(Schema.Struct({ error: Schema.Struct({ message: Schema.String, type: Schema.String, param: Schema.NullOr(Schema.String), code: Schema.NullOr(Schema.String) }) }))

beforeAll(async () => {
  fx = await startGatewayFixture(recordedDir, (openai) => ({ "big-tools": openai("deepseek-tool-call"), "big-stream": openai("openai-text"), "bad-text": { backend: "echo" } }))
}, 180_000)

afterAll(async () => {
  await fx?.close()
}, 60_000)

function post(path: string, body: string | Uint8Array, accept = "application/json"): Promise<Response> {
  return fetch(`${fx.harper.url}${path}`, { method: "POST", headers: { authorization: fx.basic, "content-type": "application/json", accept }, body })
}

/** The rows of one model's calls, or (null) of calls refused before their model was known, once one has `errorCode` (rows are flushed every 100 ms). */
async function rowsOf(model: string | null, errorCode: string): Promise<readonly Record<string, unknown>[]> {
  const where = model === null ? "logicalModel IS NULL" : `logicalModel = '${model}'`
  let rows: readonly Record<string, unknown>[] = []
  for (let i = 0; i < 100 && !rows.some((row) => row["errorCode"] === errorCode); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100))
    rows = await fx.sql(`SELECT outcome, status, errorCode, errorDetail, endpoint FROM gateway.hdb_model_calls WHERE ${where}`)
  }
  return rows
}

describe("integers beyond 2^53", () => {
  it("refuses one in a typed field with a 400 naming it, and writes a rejected row (chat, echo model)", async () => {
    const response = await post("/v1/chat/completions", `{"model":"echo","messages":[{"role":"user","content":"hi"}],"tools":[{"type":${BIG},"function":{"name":"f"}}]}`)
    const body = asError(await response.json())
    expect([response.status, body.error.type, body.error.param]).toEqual([400, "invalid_request_error", "tools[0].type"])
    expect(body.error.message).toContain(BIG)
    const rows = await rowsOf("echo", "unsupported_value")
    expect(rows.map((row) => [row["outcome"], row["status"], row["errorCode"]])).toEqual([["rejected", 400, "unsupported_value"]])
    for (const row of rows) expect(row["errorDetail"] === null || typeof row["errorDetail"] === "string").toBe(true)
  })

  it("refuses one in a typed field of Responses and embeddings with a 400 naming it", async () => {
    const responses = await post("/v1/responses", `{"model":"echo","input":[{"type":${BIG},"role":"user","content":"hi"}]}`)
    expect([responses.status, asError(await responses.json()).error.param]).toEqual([400, "input[0].type"])
    const embeddings = await post("/v1/embeddings", `{"model":"text-embedding-3-small","input":"hi","dimensions":${BIG}}`)
    expect([embeddings.status, asError(await embeddings.json()).error.param]).toEqual([400, "dimensions"])
    const rows = await rowsOf("text-embedding-3-small", "invalid_value")
    expect(rows.map((row) => [row["outcome"], row["status"], row["endpoint"]])).toEqual([["rejected", 400, "embeddings"]])
  })

  it("sends one in a tool's parameters and a response_format schema upstream with the client's exact digits", async () => {
    const before = fx.upstream.requests.length
    const response = await post(
      "/v1/chat/completions",
      `{"model":"big-tools","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"n":{"type":"integer","maximum":${BIG}}}}}}],` +
        `"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"integer","minimum":-${BIG}}}}}`,
    )
    expect(response.status).toBe(200)
    const sent = fx.upstream.requests.slice(before).map((request) => request.rawBody)
    expect(sent.length).toBe(1)
    expect(sent[0]).toContain(`"maximum":${BIG}`)
    expect(sent[0]).toContain(`"minimum":-${BIG}`)
  })

  it("keeps the digits in a streamed call (Harper's connect path) and in Responses tools", async () => {
    const before = fx.upstream.requests.length
    const streamed = await post(
      "/v1/chat/completions",
      `{"model":"big-stream","stream":true,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"default":${BIG}}}}]}`,
      "text/event-stream",
    )
    expect(streamed.status).toBe(200)
    await streamed.text()
    const responses = await post("/v1/responses", `{"model":"big-stream","store":false,"input":"hi","tools":[{"type":"function","name":"f","parameters":{"default":${BIG}}}]}`)
    expect(responses.status).toBe(200)
    const sent = fx.upstream.requests.slice(before).map((request) => request.rawBody)
    expect(sent.length).toBe(2)
    for (const body of sent) expect(body).toContain(`"default":${BIG}`)
  })
})

describe("integers beyond 2^53 in stored responses", () => {
  it("gives a stored response's tools back with the client's digits", async () => {
    const created = await post("/v1/responses", `{"model":"big-stream","input":"hi","tools":[{"type":"function","name":"f","parameters":{"default":${BIG}}}]}`)
    expect(created.status).toBe(200)
    const createdText = await created.text()
    expect(createdText).toContain(`"default":${BIG}`)
    const id = Schema.decodeUnknownSync(Schema.Struct({ id: Schema.String }))(JSON.parse(createdText)).id
    const stored = await fetch(`${fx.harper.url}/v1/responses/${id}`, { headers: { authorization: fx.basic, accept: "application/json" } })
    expect(stored.status).toBe(200)
    expect(await stored.text()).toContain(`"default":${BIG}`)
  })
})

describe("text that is not Unicode", () => {
  it("refuses a body that is not UTF-8 with a 400 and a rejected row", async () => {
    const bytes = Buffer.concat([Buffer.from('{"model":"bad-text","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')])
    const response = await post("/v1/chat/completions", bytes)
    const body = asError(await response.json())
    expect([response.status, body.error.code, body.error.param]).toEqual([400, "invalid_encoding", null])
    expect(body.error.message).toMatch(/UTF-8/)
    // Refused while reading the body, before its model was known: the row has none.
    const rows = await rowsOf(null, "invalid_encoding")
    expect(rows.map((row) => [row["outcome"], row["status"], row["errorCode"]])).toContainEqual(["rejected", 400, "invalid_encoding"])
  })

  it("refuses a lone surrogate with a 400 naming the string", async () => {
    const response = await post("/v1/chat/completions", '{"model":"bad-text","messages":[{"role":"user","content":"a\\ud800"}]}')
    const body = asError(await response.json())
    expect([response.status, body.error.param]).toEqual([400, "messages[0].content"])
    const rows = await rowsOf(null, "invalid_value")
    expect(rows.map((row) => [row["outcome"], row["status"], row["errorCode"]])).toContainEqual(["rejected", 400, "invalid_value"])
  })
})
