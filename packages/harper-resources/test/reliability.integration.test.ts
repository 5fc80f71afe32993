/**
 * Reliability and security against a real Harper: upstream faults, bad input from
 * fast-check, tenants' usage isolation, and the upstream key never leaking. `pnpm soak`
 * runs the same with 10,000 generated requests (SOAK=1).
 */
import { createSign, randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import fc from "fast-check"
import { Schema } from "effect"
import { Wire } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../dev/harper-process.ts"
import { specValidator } from "../../translate/test/openapi-validator.ts"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import { SINGLE_ATTEMPT, startGatewayFixture, UPSTREAM_KEY, type GatewayFixture } from "./harper-fixture.ts"
import { HOSTILE_LEAKS } from "./replay-upstream.ts"

const soak = process.env["SOAK"] === "1"

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return Number(match?.[1] ?? 0) / 1024
}
const validateError = specValidator("ErrorResponse")
const asError = Schema.decodeUnknownSync(Wire.ErrorBody)
let fx: GatewayFixture
let keyA: string
let keyB: string
const seenBodies: string[] = []

beforeAll(async () => {
  const closedPort = await freePort() // nothing listens there: connection refused
  fx = await startGatewayFixture(recordedDir, (plain) => {
    // Each fault as the client sees one failure (routing.integration.test.ts tests retries and fallbacks).
    const openai = (model: string) => ({ ...plain(model), routing: SINGLE_ATTEMPT })
    return {
      "f-429": openai("fault-429-plain"),
      "f-502": openai("fault-502"),
      "f-503": openai("fault-503"),
      "f-400": openai("fault-400-openai"),
      "f-400-text": openai("fault-400-text"),
      "f-malformed": openai("fault-malformed"),
      "f-slow": { ...openai("fault-slow-first-byte"), timeouts: { firstByteMs: 300 } },
      "f-refused": { ...openai("x"), baseUrl: `http://127.0.0.1:${closedPort}/v1` },
      "h-error-json": openai("hostile-error-json"),
      "h-error-json-hidden": { ...openai("hostile-error-json"), exposeUpstreamErrors: false },
      "h-error-html": openai("hostile-error-html"),
      "h-huge": { ...openai("hostile-huge"), limits: { maxResponseBytes: 1024 * 1024 } },
      "h-keepalive": { ...openai("hostile-keepalive"), timeouts: { idleMs: 600, totalMs: 20_000 } },
      "h-deadline": { ...openai("slow-openai-text"), timeouts: { idleMs: 5_000, totalMs: 700 } },
      "with-extras": { ...openai("openai-text"), extraFields: ["top_k", "service_tier"] },
    }
  })
  // Keys of an ordinary user with the gateway role: a super user may read any tenant.
  await fx.operation({ operation: "add_role", role: "gateway_user", permission: { super_user: false } })
  await fx.operation({ operation: "add_user", role: "gateway_user", username: "carol", password: "carol-pw-1", active: true })
  const create = async (tenant: string) => {
    const response = await fetch(`${fx.harper.url}/gateway/keys`, { method: "POST", headers: { authorization: fx.basic, "content-type": "application/json" }, body: JSON.stringify({ user: "carol", tenant }) })
    return Schema.decodeUnknownSync(Schema.Struct({ key: Schema.String }))(await response.json()).key
  }
  keyA = await create("tenant-a")
  keyB = await create("tenant-b")
}, 180_000)

afterAll(async () => {
  await fx?.close()
}, 60_000)

async function chat(model: string, key = keyA, stream = false) {
  const response = await fetch(`${fx.harper.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "x" }] }),
  })
  const text = await response.text()
  seenBodies.push(text)
  return { status: response.status, headers: response.headers, text }
}

describe("upstream faults", () => {
  const cases = [
    { model: "f-refused", status: 503, type: "server_error", code: "upstream_unavailable", retry: true },
    { model: "broken", status: 502, type: "server_error", code: "upstream_error", retry: false },
    { model: "f-502", status: 502, type: "server_error", code: "upstream_error", retry: false },
    { model: "f-503", status: 503, type: "server_error", code: "upstream_unavailable", retry: true, retryAfter: "2" },
    { model: "limited", status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", retry: true, retryAfter: "3" },
    { model: "f-429", status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", retry: true, retryAfter: "1" },
    { model: "f-400", status: 400, type: "invalid_request_error", code: "unsupported_parameter", param: "max_tokens", retry: false },
    { model: "f-400-text", status: 400, type: "invalid_request_error", code: null, retry: false },
    // Streamed, the same broken answer is an SSE stream that ends without a finish reason.
    { model: "f-malformed", status: 502, type: "server_error", code: "invalid_upstream_response", streamCode: "upstream_stream_incomplete", retry: false },
    { model: "f-slow", status: 504, type: "server_error", code: "upstream_timeout", retry: false },
  ] as const
  for (const fault of cases) {
    it(`${fault.model}: ${fault.status} ${fault.code}, OpenAI-shaped, streamed or not, and accounted`, async () => {
      for (const stream of [false, true]) {
        const response = await chat(fault.model, keyA, stream)
        expect(response.status, `${fault.model} stream=${stream}`).toBe(fault.status)
        expect(response.headers.get("content-type")).toMatch(/application\/json/)
        const body: unknown = JSON.parse(response.text)
        expect(validateError(body)).toEqual([])
        const error = asError(body).error
        expect(error.type).toBe(fault.type)
        const code = stream && "streamCode" in fault ? fault.streamCode : fault.code
        expect(error.code).toBe(code)
        if ("param" in fault) expect(error.param).toBe(fault.param)
        if (fault.retry) {
          expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0)
          expect(Number(response.headers.get("retry-after-ms"))).toBeGreaterThan(0)
        }
        if ("retryAfter" in fault) expect(response.headers.get("retry-after")).toBe(fault.retryAfter)
        expect(response.text).not.toMatch(/internal-lb|\/srv\/secret|sk-upstream/)
      }
      await new Promise((r) => setTimeout(r, 250))
      const rows = await fx.sql(`SELECT stream, outcome, status, errorCode FROM gateway.hdb_model_calls WHERE logicalModel = '${fault.model}'`)
      // A reason without an OpenAI code is recorded by its name.
      const recorded = (stream: boolean) => (stream && "streamCode" in fault ? fault.streamCode : fault.code) ?? "InvalidRequest"
      expect([...rows].sort((x, y) => Number(x["stream"]) - Number(y["stream"]))).toEqual([
        { stream: false, outcome: "error", status: fault.status, errorCode: recorded(false) },
        { stream: true, outcome: "error", status: fault.status, errorCode: recorded(true) },
      ])
    })
  }
})

describe("bad input", () => {
  const paths = ["/v1/chat/completions", "/v1/embeddings", "/v1/models", "/v1/models/x", "/v1/nope", "/v1/chat", "/v1/gateway/usage"]
  const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
  const validChat = { model: "echo", messages: [{ role: "user", content: "hi" }] }
  const validEmbed = { model: "text-embedding-3-small", input: "hi" }
  const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth)
  const body = fc.oneof(
    fc.json({ depthSize: "medium" }),
    // a valid request with one field replaced by an arbitrary value
    fc
      .tuple(fc.constantFrom(...Object.keys(validChat), "temperature", "tools", "tool_choice", "stream", "n", "stop", "response_format", "max_tokens"), fc.jsonValue())
      .map(([field, value]) => JSON.stringify({ ...validChat, [field]: value })),
    fc.tuple(fc.constantFrom("model", "input", "dimensions", "encoding_format", "user"), fc.jsonValue()).map(([field, value]) => JSON.stringify({ ...validEmbed, [field]: value })),
    fc
      .tuple(fc.nat({ max: 200_000 }), fc.constantFrom("content", "model"))
      .map(([size, where]) => JSON.stringify(where === "model" ? { ...validChat, model: "m".repeat(size) } : { ...validChat, messages: [{ role: "user", content: "x".repeat(size) }] })),
    fc.integer({ min: 100, max: 20_000 }).map(deep),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from('{"model":"echo","messages":[{"role":"user","content":"'), Buffer.from(bytes), Buffer.from('"}]}')]).toString("latin1")),
  )
  const request = fc.record({
    method: fc.oneof({ weight: 4, arbitrary: fc.constant("POST") }, { weight: 1, arbitrary: fc.constantFrom(...methods) }),
    path: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("/v1/chat/completions", "/v1/embeddings") }, { weight: 1, arbitrary: fc.constantFrom(...paths) }),
    contentType: fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8", ""),
    body,
    auth: fc.constantFrom("key", "key", "key", "key", "none", "garbage"),
  })

  it(
    `answers every generated request with an OpenAI-shaped 4xx (or a 200), never a 5xx, and keeps serving`,
    async () => {
      let cases = 0
      const statuses: Record<string, number> = {}
      await fc.assert(
        fc.asyncProperty(request, async ({ method, path, contentType, body: text, auth }) => {
          cases++
          const headers: Record<string, string> = {}
          if (contentType !== "") headers["content-type"] = contentType
          if (auth === "key") headers["authorization"] = `Bearer ${keyA}`
          if (auth === "garbage") headers["authorization"] = "Bearer \u00ff\u00fe garbage"
          const response = await fetch(`${fx.harper.url}${path}`, { method, headers, ...(method === "GET" ? {} : { body: Buffer.from(text, "latin1") }) }).catch((error: unknown) => error)
          if (!(response instanceof Response)) throw new Error(`no answer for ${method} ${path}: ${String(response)}`)
          statuses[`${auth}:${response.status}`] = (statuses[`${auth}:${response.status}`] ?? 0) + 1
          const answer = await response.text()
          seenBodies.push(answer.slice(0, 2_000))
          expect(response.status, `${method} ${path} ${contentType} -> ${answer.slice(0, 200)}`).toBeLessThan(500)
          if (response.status >= 400) {
            const parsed: unknown = JSON.parse(answer)
            expect(validateError(parsed), answer.slice(0, 200)).toEqual([])
          }
        }),
        { numRuns: soak ? 10_000 : 300, ...(soak ? {} : { seed: 20261125 }) },
      )
      console.log(`bad input: ${cases} generated requests, statuses ${JSON.stringify(statuses)}`)
      expect((await chat("echo")).status).toBe(200)
    },
    soak ? 1_800_000 : 180_000,
  )
})

describe("body limit", () => {
  const body = (size: number) => JSON.stringify({ model: "echo", messages: [{ role: "user", content: "x".repeat(size) }] })
  const send = (payload: string | ReadableStream<Uint8Array>) =>
    fetch(`${fx.harper.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${keyA}`, "content-type": "application/json" }, body: payload, duplex: "half" }).catch((error: unknown) => error)
  /** A 413 `request_too_large`, or the connection closed while the client was still sending: a refusal either way. */
  const expectRefused = async (response: unknown) => {
    if (response instanceof Response) {
      expect(response.status).toBe(413)
      expect(asError(JSON.parse(await response.text())).error.code).toBe("request_too_large")
    } else {
      expect(String(response)).toMatch(/fetch failed|other side closed|EPIPE|ECONNRESET/)
    }
    expect((await chat("echo")).status).toBe(200)
  }

  it("refuses a body over the limit with an OpenAI-shaped 413 before reading it, and keeps serving", async () => {
    await expectRefused(await send(body(40 * 1024 * 1024)))
  })

  it("takes a body above Harper's 10 MB default and below the gateway's 32 MiB, and refuses a larger one sent without Content-Length with a 413", async () => {
    const eleven = await send(body(11 * 1000 * 1000))
    expect(eleven instanceof Response && eleven.status).toBe(200)
    if (eleven instanceof Response) await eleven.text()
    const bytes = Buffer.from(body(40 * 1024 * 1024))
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 1024 * 1024) controller.enqueue(bytes.subarray(offset, offset + 1024 * 1024))
        controller.close()
      },
    })
    await expectRefused(await send(chunked))
  }, 120_000)
})

describe("load and accounting integrity", () => {
  it("answers every request of a mixed concurrent load well-formed, with exactly one accounting row each", async () => {
    const seconds = soak ? 60 : 3
    await new Promise((r) => setTimeout(r, 500)) // rows of earlier tests are flushed first
    const before = await fx.sql("SELECT COUNT(*) AS n FROM gateway.hdb_model_calls")
    const rssBefore = rssMb(fx.harper.pid)
    const kinds = ["chat", "stream", "embeddings", "limited", "unknown-model", "bad-param"] as const
    const made: Record<string, number> = {}
    const deadline = Date.now() + seconds * 1000
    const worker = async (index: number) => {
      for (let i = index; Date.now() < deadline; i++) {
        const kind = kinds[i % kinds.length] ?? "chat"
        const [path, body] =
          kind === "embeddings"
            ? ["/v1/embeddings", { model: "text-embedding-3-small", input: ["a", "b"] }]
            : [
                "/v1/chat/completions",
                { model: kind === "limited" ? "limited" : kind === "unknown-model" ? "nope" : "gpt-4.1-nano", stream: kind === "stream", messages: [{ role: "user", content: "x" }], ...(kind === "bad-param" ? { temperature: 7 } : {}) },
              ]
        const response = await fetch(`${fx.harper.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${keyA}`, "content-type": "application/json" }, body: JSON.stringify(body) })
        const text = await response.text()
        if (kind === "stream") expect(text.endsWith("data: [DONE]\n\n")).toBe(true)
        else if (response.status === 200) JSON.parse(text)
        else expect(validateError(JSON.parse(text))).toEqual([])
        made[kind] = (made[kind] ?? 0) + 1
      }
    }
    await Promise.all(Array.from({ length: 16 }, (_, i) => worker(i)))
    const total = Object.values(made).reduce((sum, n) => sum + n, 0)
    await new Promise((r) => setTimeout(r, 1_000))
    const after = await fx.sql("SELECT COUNT(*) AS n FROM gateway.hdb_model_calls")
    const rows = Number(after[0]?.["n"]) - Number(before[0]?.["n"])
    const rssAfter = rssMb(fx.harper.pid)
    console.log(`load: ${total} requests in ${seconds} s ${JSON.stringify(made)}; ${rows} new accounting rows; Harper RSS ${rssBefore.toFixed(0)} MB before, ${rssAfter.toFixed(0)} MB after`)
    expect(rows).toBe(total)
    expect(rssAfter).toBeLessThan(rssBefore + 200)
  }, 180_000)
})

describe("tenants and secrets", () => {
  it("401s an expired Harper JWT, OpenAI-shaped", async () => {
    // A token signed with this Harper's own key (as create_authentication_tokens does), already expired.
    const keys = resolve(dirname(fx.harper.logPath), "..", "keys")
    const now = Math.floor(Date.now() / 1000)
    const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url")
    const token = (iat: number, exp: number) => {
      const unsigned = `${segment({ alg: "RS256", typ: "JWT" })}.${segment({ username: "carol", super_user: false, cluster_user: false, iat, exp, sub: "operation" })}`
      const signature = createSign("RSA-SHA256")
        .update(unsigned)
        .sign({ key: readFileSync(join(keys, ".jwtPrivate.key"), "utf8"), passphrase: readFileSync(join(keys, ".jwtPass"), "utf8").trim() })
        .toString("base64url")
      return `${unsigned}.${signature}`
    }
    const ask = (jwt: string) => fetch(`${fx.harper.url}/v1/models`, { headers: { authorization: `Bearer ${jwt}` } })
    // Signed the same way but still valid: accepted, so the refusal below is about expiry alone.
    expect((await ask(token(now, now + 600))).status).toBe(200)
    const expired = await ask(token(now - 120, now - 60))
    expect(expired.status).toBe(401)
    const error: unknown = JSON.parse(await expired.text())
    expect(validateError(error)).toEqual([])
    expect(asError(error).error.type).toBe("authentication_error")
  })

  it("shows a tenant its own usage rows and not another tenant's", async () => {
    await chat("echo", keyA)
    await chat("echo", keyB)
    await new Promise((r) => setTimeout(r, 300))
    const read = async (key: string, query = "") => {
      const response = await fetch(`${fx.harper.url}/v1/gateway/usage${query}`, { headers: { authorization: `Bearer ${key}` } })
      return { status: response.status, body: JSON.parse(await response.text()) }
    }
    const a = await read(keyA)
    expect(a.status).toBe(200)
    expect(a.body.data.length).toBeGreaterThan(0)
    expect(a.body.data.every((row: { tenant: string }) => row.tenant === "tenant-a")).toBe(true)
    const b = await read(keyB)
    expect(b.body.data.every((row: { tenant: string }) => row.tenant === "tenant-b")).toBe(true)
    expect((await read(keyB, "?tenant=tenant-a")).status).toBe(403)
    expect((await read(keyB, "?limit=0")).status).toBe(400)
  })

  it("aggregates a tenant's usage by model, key, hour and day over a time range, as SQL's GROUP BY does", async () => {
    const started = Date.now()
    await chat("echo", keyB)
    await chat("f-400", keyB)
    await new Promise((r) => setTimeout(r, 400))
    const read = async (query: string, key = keyB) => {
      const response = await fetch(`${fx.harper.url}/v1/gateway/usage${query}`, { headers: { authorization: `Bearer ${key}` } })
      return { status: response.status, body: JSON.parse(await response.text()) as unknown }
    }
    const Buckets = Schema.Struct({ group_by: Schema.String, data: Schema.Array(Schema.Struct({ group: Schema.NullOr(Schema.String), calls: Schema.Number, errors: Schema.Number })) })
    const byModel = await read("?group_by=model")
    expect(byModel.status).toBe(200)
    const buckets = Schema.decodeUnknownSync(Buckets)(byModel.body).data
    const sql = await fx.sql("SELECT logicalModel, COUNT(*) AS calls FROM gateway.hdb_model_calls WHERE tenant = 'tenant-b' GROUP BY logicalModel")
    expect(buckets.map((b) => [b.group, b.calls]).sort()).toEqual(sql.map((row) => [row["logicalModel"] ?? null, row["calls"]]).sort())
    expect(buckets.find((b) => b.group === "f-400")?.errors).toBeGreaterThanOrEqual(1)
    // Only the calls made since `started`, in the hour they were made.
    const recent = Schema.decodeUnknownSync(Buckets)((await read(`?group_by=hour&from=${started - 1}`)).body).data
    expect(recent.reduce((sum, b) => sum + b.calls, 0)).toBe(2)
    expect(Schema.decodeUnknownSync(Buckets)((await read("?group_by=key")).body).data.every((b) => b.group !== null)).toBe(true)
    expect((await read("?group_by=day")).status).toBe(200)
    expect((await read("?group_by=week")).body).toMatchObject({ error: { param: "group_by" } })
    expect((await read("?group_by=day&from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z")).status).toBe(400)
    expect((await read("?group_by=day&tenant=tenant-a")).status).toBe(403)
  })

  it("never lets the upstream key appear in a response, the log or an accounting row", async () => {
    const rows = await fx.sql("SELECT * FROM gateway.hdb_model_calls")
    expect(JSON.stringify(rows)).not.toContain(UPSTREAM_KEY)
    expect(seenBodies.some((body) => body.includes(UPSTREAM_KEY))).toBe(false)
    expect(seenBodies.length).toBeGreaterThan(100)
    expect(readFileSync(fx.harper.logPath, "utf8")).not.toContain(UPSTREAM_KEY)
  })
})

describe("attacks", () => {
  const json = async (response: Response) => ({ status: response.status, body: JSON.parse(await response.text()) as unknown })

  it("answers a flood of random well-formed keys with 401s and keeps serving (the key cache is bounded: key-cache.test.ts)", async () => {
    const random = () => `sk-hgw-${randomBytes(6).toString("hex")}-${randomBytes(32).toString("base64url")}`
    const statuses = new Map<number, number>()
    let next = 0
    const flood = 3_000
    const worker = async () => {
      while (next < flood) {
        next++
        const response = await fetch(`${fx.harper.url}/v1/models`, { headers: { authorization: `Bearer ${random()}` } })
        const { status, body } = await json(response)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        expect(validateError(body)).toEqual([])
      }
    }
    const started = Date.now()
    await Promise.all(Array.from({ length: 32 }, worker))
    console.log(`key flood: ${flood} random keys in ${Date.now() - started} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
    expect([...statuses.keys()]).toEqual([401])
    expect((await chat("echo")).status).toBe(200)
  }, 120_000)

  it("keeps a key to its tenant even when its user is a super user; only Harper credentials of a super user may read another tenant", async () => {
    const created = await fetch(`${fx.harper.url}/gateway/keys`, { method: "POST", headers: { authorization: fx.basic, "content-type": "application/json" }, body: JSON.stringify({ user: "admin", tenant: "t1" }) })
    const adminKey = Schema.decodeUnknownSync(Schema.Struct({ key: Schema.String }))(await created.json()).key
    const asKey = await fetch(`${fx.harper.url}/v1/gateway/usage?tenant=tenant-a`, { headers: { authorization: `Bearer ${adminKey}` } })
    expect(asKey.status).toBe(403)
    const own = await json(await fetch(`${fx.harper.url}/v1/gateway/usage`, { headers: { authorization: `Bearer ${adminKey}` } }))
    expect(own).toMatchObject({ status: 200, body: { tenant: "t1" } })
    const asBasic = await fetch(`${fx.harper.url}/v1/gateway/usage?tenant=tenant-a`, { headers: { authorization: fx.basic } })
    expect(asBasic.status).toBe(200)
  })

  it("refuses a key once its user is dropped, and still after a new user takes the same name", async () => {
    expect((await fx.operation({ operation: "add_user", role: "gateway_user", username: "dave", password: "dave-pw-1", active: true })).status).toBe(200)
    const created = await fetch(`${fx.harper.url}/gateway/keys`, { method: "POST", headers: { authorization: fx.basic, "content-type": "application/json" }, body: JSON.stringify({ user: "dave" }) })
    const daveKey = Schema.decodeUnknownSync(Schema.Struct({ key: Schema.String }))(await created.json()).key
    const ask = async () => json(await fetch(`${fx.harper.url}/v1/models`, { headers: { authorization: `Bearer ${daveKey}` } }))
    expect((await ask()).status).toBe(200)
    expect((await fx.operation({ operation: "drop_user", username: "dave" })).status).toBe(200)
    expect(await ask()).toMatchObject({ status: 401, body: { error: { code: "invalid_api_key" } } })
    await new Promise((r) => setTimeout(r, 20))
    expect((await fx.operation({ operation: "add_user", role: "gateway_user", username: "dave", password: "dave-pw-2", active: true })).status).toBe(200)
    expect(await ask()).toMatchObject({ status: 401, body: { error: { code: "invalid_api_key" } } })
    const forGhost = await fetch(`${fx.harper.url}/gateway/keys`, { method: "POST", headers: { authorization: fx.basic, "content-type": "application/json" }, body: JSON.stringify({ user: "nobody-by-this-name" }) })
    expect(await json(forGhost)).toMatchObject({ status: 400, body: { error: { param: "user", code: "unknown_user" } } })
  })

  it("answers malformed percent-encoding and unknown spellings of /v1 with OpenAI-shaped 4xx, never a 500 or Harper's own body", async () => {
    const key = { authorization: `Bearer ${keyA}` }
    const cases: readonly (readonly [string, string, Record<string, string>, number])[] = [
      ["GET", "/v1/models/%E0", key, 404],
      ["DELETE", "/gateway/keys/%E0", { authorization: fx.basic }, 400],
      ["POST", "/v1/chat/completions/extra", key, 404],
      ["POST", "/v1/embeddings/x/y", key, 404],
      ["GET", "/V1/models", key, 404],
      ["GET", "//v1/models", key, 404],
      ["GET", "/v1%2Fmodels", key, 404],
      ["GET", "/v1//models", key, 404],
    ]
    for (const [method, path, headers, status] of cases) {
      const response = await fetch(`${fx.harper.url}${path}`, {
        method,
        headers: { ...headers, "content-type": "application/json" },
        ...(method === "POST" ? { body: JSON.stringify({ model: "echo", messages: [{ role: "user", content: "x" }] }) } : {}),
      })
      const answer = await json(response)
      expect([method, path, answer.status]).toEqual([method, path, status])
      expect(validateError(answer.body)).toEqual([])
    }
  })

  it("lists a tenant's newest usage rows first", async () => {
    for (let i = 0; i < 3; i++) await chat("echo", keyB)
    await new Promise((r) => setTimeout(r, 300))
    const response = await fetch(`${fx.harper.url}/v1/gateway/usage?limit=2`, { headers: { authorization: `Bearer ${keyB}` } })
    const rows = Schema.decodeUnknownSync(Schema.Struct({ data: Schema.Array(Schema.Struct({ time: Schema.Number })) }))(await response.json()).data
    const newest = await fx.sql("SELECT MAX(time) AS t FROM gateway.hdb_model_calls WHERE tenant = 'tenant-b'")
    expect(rows.length).toBe(2)
    expect(rows[0]?.time).toBe(newest[0]?.["t"])
    expect((rows[0]?.time ?? 0) >= (rows[1]?.time ?? 0)).toBe(true)
  })

  it("forwards only what a model's policy allows: router fields and paid options from a restricted key are refused and never reach the upstream", async () => {
    const created = await fetch(`${fx.harper.url}/gateway/keys`, {
      method: "POST",
      headers: { authorization: fx.basic, "content-type": "application/json" },
      body: JSON.stringify({ user: "carol", tenant: "tenant-r", models: ["gpt-4.1-nano"] }),
    })
    const restricted = Schema.decodeUnknownSync(Schema.Struct({ key: Schema.String }))(await created.json()).key
    const send = async (model: string, extra: Record<string, unknown>, stream = false) =>
      json(
        await fetch(`${fx.harper.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${restricted}`, "content-type": "application/json" },
          body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "x" }], ...extra }),
        }),
      )
    const before = fx.upstream.requests.length
    const refused = [
      { models: ["openai/gpt-4o", "anthropic/claude-opus"] },
      { provider: { order: ["OpenAI"], allow_fallbacks: true } },
      { route: "fallback" },
      { plugins: [{ id: "web" }] },
      { transforms: ["middle-out"] },
      { best_of: 5 },
      { extra_body: { model: "gpt-4o" } },
      { service_tier: "priority" },
      { store: true },
      { top_k: 40 },
    ]
    for (const extra of refused) {
      for (const stream of [false, true]) {
        const answer = await send("gpt-4.1-nano", extra, stream)
        expect([extra, answer.status]).toEqual([extra, 400])
        expect(answer.body).toMatchObject({ error: { type: "invalid_request_error", param: Object.keys(extra)[0], code: "unsupported_parameter" } })
      }
    }
    expect(fx.upstream.requests.length).toBe(before)
    // The defaults of the opt-in fields ask for nothing: accepted, and not sent.
    expect((await send("gpt-4.1-nano", { store: false, service_tier: "auto", logit_bias: { "50256": -100 } })).status).toBe(200)
    const sent = fx.upstream.requests.at(-1)?.body ?? {}
    expect(["store" in sent, "service_tier" in sent, sent["logit_bias"]]).toEqual([false, false, { "50256": -100 }])
    // A model configured for them forwards them (an unrestricted key, since this one may only use gpt-4.1-nano).
    const allowed = await fetch(`${fx.harper.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${keyA}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "with-extras", messages: [{ role: "user", content: "x" }], top_k: 40, service_tier: "priority" }),
    })
    expect(allowed.status).toBe(200)
    expect(fx.upstream.requests.at(-1)?.body).toMatchObject({ top_k: 40, service_tier: "priority" })
    expect((await send("with-extras", {})).status).toBe(403)
  })

  it("never passes an upstream's hosts, addresses or credentials to a client; HTML and text get the gateway's own message", async () => {
    for (const model of ["h-error-json", "h-error-json-hidden", "h-error-html"]) {
      for (const stream of [false, true]) {
        const answer = await chat(model, keyA, stream)
        expect(answer.status).toBe(model === "h-error-html" ? 502 : 400)
        for (const leak of HOSTILE_LEAKS) expect([model, leak, answer.text.includes(leak)]).toEqual([model, leak, false])
        const message = asError(JSON.parse(answer.text)).error.message
        if (model === "h-error-json") expect(message).toContain("refused Authorization: [redacted]")
        else expect(message).not.toContain("refused")
      }
    }
    // The operator keeps the upstream's words (credentials removed) in the row's errorDetail and the log.
    await new Promise((r) => setTimeout(r, 300))
    const rows = await fx.sql("SELECT errorDetail FROM gateway.hdb_model_calls WHERE logicalModel = 'h-error-html'")
    expect(rows.length).toBe(2)
    for (const row of rows) {
      expect(String(row["errorDetail"])).toContain("vllm-3.gpu.internal")
      expect(String(row["errorDetail"])).not.toMatch(/hunter2|YWRtaW46|p4ssw0rd|ghp_0123/)
    }
    const log = readFileSync(fx.harper.logPath, "utf8")
    expect(log).toContain("vllm-3.gpu.internal")
    expect(log).not.toContain("hunter2")
  })

  it("stops reading an oversized non-streamed answer at the model's limit and answers 502", async () => {
    const answer = await chat("h-huge")
    expect(answer.status).toBe(502)
    expect(asError(JSON.parse(answer.text)).error.code).toBe("upstream_response_too_large")
    await new Promise((r) => setTimeout(r, 200))
    const request = fx.upstream.requests.findLast((r) => r.body["model"] === "hostile-huge")
    console.log(`oversized answer: the upstream wrote ${((request?.bytesWritten ?? 0) / 1024 / 1024).toFixed(1)} MiB of 64 MiB before the gateway hung up (limit 1 MiB)`)
    expect(request?.bytesWritten ?? 0).toBeLessThan(32 * 1024 * 1024)
    expect((await chat("echo")).status).toBe(200)
  })

  it("ends a stream kept open by comments alone at the idle timeout, and an endless one at the total deadline", async () => {
    for (const [model, phase] of [
      ["h-keepalive", "the stream stalled"],
      ["h-deadline", "the request took too long"],
    ] as const) {
      const started = Date.now()
      const answer = await chat(model, keyA, true)
      const elapsed = Date.now() - started
      console.log(`${model}: ended after ${elapsed} ms`)
      expect(elapsed).toBeLessThan(15_000)
      const events = answer.text.split("\n\n").filter((event) => event.startsWith("data: "))
      const last = JSON.parse(events.at(-1)?.slice(6) ?? "{}")
      expect(last).toMatchObject({ error: { code: "upstream_timeout", message: expect.stringContaining(phase) } })
      expect(answer.text).not.toContain("[DONE]")
    }
  })

  it("keeps each tenant's stored responses from every other: retrieve, items, continue, reference, cancel and delete are 404s", async () => {
    const as = (key: string, method: string, path: string, body?: unknown) =>
      fetch(`${fx.harper.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }).then(json)
    const created = await as(keyA, "POST", "/v1/responses", { model: "echo", input: "tenant a's secret" })
    expect(created.status).toBe(200)
    const response = Schema.decodeUnknownSync(Schema.Struct({ id: Schema.String, output: Schema.Array(Schema.Struct({ id: Schema.String })) }))(created.body)
    const itemId = response.output[0]?.id ?? ""
    const attempts = [
      as(keyB, "GET", `/v1/responses/${response.id}`),
      as(keyB, "GET", `/v1/responses/${response.id}/input_items`),
      as(keyB, "POST", `/v1/responses/${response.id}/cancel`),
      as(keyB, "POST", "/v1/responses", { model: "echo", input: "go on", previous_response_id: response.id }),
      as(keyB, "POST", "/v1/responses", { model: "echo", input: [{ type: "item_reference", id: itemId }] }),
      as(keyB, "DELETE", `/v1/responses/${response.id}`),
    ]
    for (const answer of await Promise.all(attempts)) {
      expect(answer.status).toBe(404)
      expect(validateError(answer.body)).toEqual([])
      expect(JSON.stringify(answer.body)).not.toContain("secret")
    }
    // Still there for its owner.
    expect((await as(keyA, "GET", `/v1/responses/${response.id}`)).status).toBe(200)
  })
})
