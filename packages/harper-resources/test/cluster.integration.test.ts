/**
 * Two real Harpers with the plugin, joined by Harper's own replication on loopback
 * (127.0.0.1 and 127.0.0.2, the dev launcher's startCluster): keys, users, accounting
 * rows and stored responses made on one node are good on the other, within the bounds
 * below, and a node killed mid-burst loses no accounting row. Each test uses its own
 * users, tenants and keys: none reads another's rows. Measured figures are printed.
 */
import { createServer } from "node:http"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { startCluster, type ClusterNode, type HarperCluster } from "../dev/harper-process.ts"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"

/** A row or key written on one node is readable on the other within this (measured: tens of ms on 2 cores). */
const REPLICATION_BOUND_MS = 5_000
/** Each worker trusts a cached key for 5 s (src/auth/key-cache.ts): a revocation elsewhere is seen within that plus replication. */
const KEY_CACHE_TTL_MS = 5_000
const REVOCATION_BOUND_MS = KEY_CACHE_TTL_MS + REPLICATION_BOUND_MS
/** A call's row is stored after the flush interval (100 ms here), then replicated. */
const ROW_VISIBILITY_BOUND_MS = 1_000 + REPLICATION_BOUND_MS
/**
 * Each node publishes its use of every limit rule and reads the other nodes' every
 * `limits.clusterSyncMs` (the default, stated here): what a node adds for the others is at
 * most one interval (their publishing) + replication + one interval (its reading) old.
 */
const CLUSTER_SYNC_MS = 500
/** That staleness, with the replication lag taken as 1 s (measured: tens of ms) for scheduling on 2 loaded cores. */
const LIMIT_STALENESS_MS = 2 * CLUSTER_SYNC_MS + 1_000

const admin = { username: "admin", password: "cluster-admin-pw" }
const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
const basicOf = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`

const asKey = Schema.decodeUnknownSync(Schema.Struct({ id: Schema.String, key: Schema.String }))
const asToken = Schema.decodeUnknownSync(Schema.Struct({ operation_token: Schema.String }))
const asUsage = Schema.decodeUnknownSync(Schema.Struct({ tenant: Schema.String, data: Schema.Array(Schema.Struct({ id: Schema.String, user: Schema.NullOr(Schema.String) })) }))
const asResponse = Schema.decodeUnknownSync(Schema.Struct({ id: Schema.String, previous_response_id: Schema.optionalKey(Schema.NullOr(Schema.String)), usage: Schema.Struct({ input_tokens: Schema.Number }) }))
const asRows = Schema.decodeUnknownSync(Schema.Array(Schema.Record(Schema.String, Schema.Unknown)))

let root: string
let cluster: HarperCluster
let hanging: { readonly url: string; close(): Promise<void> }
let hangingReceived = 0
let a: ClusterNode
let b: ClusterNode

function gatewayConfig(flushIntervalMs: number) {
  const hang = { backend: "openai", baseUrl: `${hanging.url}/v1`, apiKey: "sk-test-hanging", model: "never-answers", timeouts: { firstByteMs: 600_000, idleMs: 600_000 } }
  // `priced`: $0.01 a token; a call of "hello there friend" (3 prompt + 3 completion words) costs $0.06.
  const priced = { backend: "echo", price: { inputPerMTok: 10_000, outputPerMTok: 10_000 } }
  return { models: { generative: { echo: { backend: "echo" }, priced, hang } }, auth: { roles: ["gateway_user"] }, accounting: { flushIntervalMs }, limits: { clusterSyncMs: CLUSTER_SYNC_MS } }
}

beforeAll(async () => {
  // An upstream that never answers: calls to model `hang` stay in flight until their node dies.
  hanging = await listenOnLoopback(
    createServer((request) => {
      hangingReceived++
      request.resume()
    }),
  )
  root = mkdtempSync(join(tmpdir(), "harper-gateway-cluster-"))
  const started = Date.now()
  cluster = await startCluster({ root, nodes: 2, admin, gatewayConfig: gatewayConfig(100) })
  await cluster.connected()
  const [first, second] = cluster.nodes
  if (first === undefined || second === undefined) throw new Error("two nodes expected")
  a = first
  b = second
  console.log(`two nodes serving and connected in ${Date.now() - started} ms: A ${a.harper.url}, B ${b.harper.url}`)
  expect(await operation(a, { operation: "add_role", role: "gateway_user", permission: { super_user: false } })).toMatchObject({ status: 200 })
}, 180_000)

afterAll(async () => {
  await cluster?.stop()
  await hanging?.close()
  if (root !== undefined) rmSync(root, { recursive: true, force: true })
}, 60_000)

async function operation(node: ClusterNode, body: Record<string, unknown>, authorization = basic): Promise<{ status: number; body: unknown }> {
  const response = await fetch(node.harper.operationsUrl, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(body) })
  return { status: response.status, body: await response.json() }
}

async function sql(node: ClusterNode, query: string): Promise<readonly Record<string, unknown>[]> {
  const answer = await operation(node, { operation: "sql", sql: query })
  if (answer.status !== 200) throw new Error(`sql on ${node.name}: ${answer.status} ${JSON.stringify(answer.body)}`)
  return asRows(answer.body)
}

async function post(node: ClusterNode, path: string, body: unknown, authorization: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${node.harper.url}${path}`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(body) })
  const text = await response.text()
  return { status: response.status, body: /json/.test(response.headers.get("content-type") ?? "") ? JSON.parse(text) : text }
}

const chat = (node: ClusterNode, authorization: string, content = "hello", model = "echo") => post(node, "/v1/chat/completions", { model, messages: [{ role: "user", content }] }, authorization)

/** Polls `check` every `everyMs` until it is true; the milliseconds it took, or a failure naming what was awaited. */
async function within(boundMs: number, what: string, check: () => Promise<boolean>, everyMs = 20): Promise<number> {
  const started = Date.now()
  for (;;) {
    if (await check()) return Date.now() - started
    if (Date.now() - started > boundMs) throw new Error(`${what}: not within ${boundMs} ms`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/**
 * A gateway user made on A, and the milliseconds until it signs in on B. Until then B may
 * hold the user's row without its role (Harper's user map there is rebuilt after the row
 * arrives): a key of that user is then refused on B with a 403, so tests wait for this.
 */
async function addUser(username: string, password: string): Promise<number> {
  expect(await operation(a, { operation: "add_user", role: "gateway_user", username, password, active: true })).toMatchObject({ status: 200 })
  return within(REPLICATION_BOUND_MS, `user ${username} signing in on B`, async () => (await chat(b, basicOf(username, password))).status === 200, 10)
}

async function createKey(node: ClusterNode, user: string, tenant: string): Promise<{ id: string; key: string; createdAt: number }> {
  const answer = await post(node, "/gateway/keys", { user, tenant }, basic)
  expect(answer.status).toBe(201)
  return { ...asKey(answer.body), createdAt: Date.now() }
}

async function keyRowOn(node: ClusterNode, id: string): Promise<boolean> {
  const answer = await operation(node, { operation: "search_by_id", database: "gateway", table: "gateway_keys", ids: [id], get_attributes: ["id"] })
  return Array.isArray(answer.body) && answer.body.length === 1
}

it("accepts on B a gateway key created on A: at its first use there once its row has arrived, and within the miss cache's life when tried before", async () => {
  await addUser("kim", "kim-pw-1")
  const created = await createKey(a, "kim", "tenant-kim")
  // Not tried on B before its row arrives: nothing is cached there, so the first use is the proof.
  const arrived = await within(REPLICATION_BOUND_MS, "the key's row on B", () => keyRowOn(b, created.id), 5)
  const firstUse = await chat(b, `Bearer ${created.key}`)
  console.log(`key created on A: row on B after ${arrived} ms; first use on B ${Date.now() - created.createdAt} ms after creation: ${firstUse.status}`)
  expect(firstUse.status).toBe(200)

  // Tried on B at once (possibly before its row arrived, which caches a miss for up to 5 s on that worker).
  const eager = await createKey(a, "kim", "tenant-kim")
  let attempts = 0
  const accepted = await within(KEY_CACHE_TTL_MS + REPLICATION_BOUND_MS, "the eagerly used key accepted on B", async () => (attempts++, (await chat(b, `Bearer ${eager.key}`)).status === 200), 100)
  console.log(`key used on B at once after creation on A: accepted after ${accepted} ms (${attempts} attempts)`)
}, 60_000)

it("refuses on B a key revoked on A within the key cache's life plus replication", async () => {
  await addUser("rex", "rex-pw-1")
  const created = await createKey(a, "rex", "tenant-rex")
  await within(REPLICATION_BOUND_MS, "the key's row on B", () => keyRowOn(b, created.id), 5)
  // B has just read and cached the key: the worst case for revocation.
  expect((await chat(b, `Bearer ${created.key}`)).status).toBe(200)
  const revoked = await fetch(`${a.harper.url}/gateway/keys/${created.id}`, { method: "DELETE", headers: { authorization: basic } })
  expect(revoked.status).toBe(200)
  expect((await chat(a, `Bearer ${created.key}`)).status).toBe(401)
  const refused = await within(REVOCATION_BOUND_MS, "the revoked key refused on B", async () => (await chat(b, `Bearer ${created.key}`)).status === 401, 100)
  console.log(`key revoked on A: refused on B after ${refused} ms (bound ${REVOCATION_BOUND_MS} ms: the ${KEY_CACHE_TTL_MS} ms key cache + replication)`)
  // And it stays refused.
  expect((await chat(b, `Bearer ${created.key}`)).status).toBe(401)
}, 60_000)

it("lets a user and role created on A use /v1 on B with Basic auth and with a JWT made on A", async () => {
  const took = await addUser("uma", "uma-pw-1")
  console.log(`user created on A: Basic auth on B accepted after ${took} ms`)
  const tokens = await operation(a, { operation: "create_authentication_tokens", username: "uma", password: "uma-pw-1" }, basicOf("uma", "uma-pw-1"))
  expect(tokens.status).toBe(200)
  const jwt = asToken(tokens.body).operation_token
  expect((await chat(a, `Bearer ${jwt}`)).status).toBe(200)
  // Signed with the key pair every node shares: B checks A's signature with the same public key.
  expect((await chat(b, `Bearer ${jwt}`)).status).toBe(200)
  // A token B cannot verify is refused (the shared key is what makes the previous one pass).
  const [header = "", payload = ""] = jwt.split(".")
  expect((await chat(b, `Bearer ${header}.${payload}.${Buffer.from("not a signature").toString("base64url")}`)).status).toBe(401)
  // The admin's token too.
  const adminToken = asToken((await operation(a, { operation: "create_authentication_tokens" })).body).operation_token
  expect((await chat(b, `Bearer ${adminToken}`)).status).toBe(200)
}, 60_000)

it("stores one row per call made on A and on B, every row on both nodes, and either node's usage endpoint shows the tenant's calls from both", async () => {
  await addUser("ann", "ann-pw-1")
  await addUser("bob", "bob-pw-1")
  const onA = await createKey(a, "ann", "tenant-rows")
  const onB = await createKey(a, "bob", "tenant-rows")
  await within(REPLICATION_BOUND_MS, "the keys on B", async () => (await keyRowOn(b, onA.id)) && (await keyRowOn(b, onB.id)), 5)
  const callsA = 24
  const callsB = 17
  const statuses = await Promise.all([
    ...Array.from({ length: callsA }, (_, i) => chat(a, `Bearer ${onA.key}`, `from A ${i}`).then((answer) => answer.status)),
    ...Array.from({ length: callsB }, (_, i) => chat(b, `Bearer ${onB.key}`, `from B ${i}`).then((answer) => answer.status)),
  ])
  expect(statuses).toEqual(Array(callsA + callsB).fill(200))
  const answeredAt = Date.now()
  const rowsOf = (node: ClusterNode) => sql(node, "SELECT id, `user` FROM gateway.hdb_model_calls WHERE tenant = 'tenant-rows'")
  const [onAllOfA, onAllOfB] = await Promise.all([a, b].map((node) => within(ROW_VISIBILITY_BOUND_MS, `every row on ${node.name}`, async () => (await rowsOf(node)).length >= callsA + callsB, 20)))
  console.log(`${callsA} calls on A and ${callsB} on B at once: every row on A ${onAllOfA} ms and on B ${onAllOfB} ms after the last answer (flush interval 100 ms)`)
  await new Promise((r) => setTimeout(r, 500)) // a duplicate written late would show now
  for (const node of [a, b]) {
    const rows = await rowsOf(node)
    expect(rows.filter((row) => row["user"] === "ann").length).toBe(callsA)
    expect(rows.filter((row) => row["user"] === "bob").length).toBe(callsB)
    expect(new Set(rows.map((row) => row["id"])).size).toBe(callsA + callsB)
  }
  expect((await rowsOf(a)).map((row) => row["id"]).sort()).toEqual((await rowsOf(b)).map((row) => row["id"]).sort())
  expect(Date.now() - answeredAt).toBeLessThan(ROW_VISIBILITY_BOUND_MS + 5_000)

  for (const [node, key] of [
    [a, onB.key],
    [b, onA.key],
  ] as const) {
    const response = await fetch(`${node.harper.url}/v1/gateway/usage?limit=1000`, { headers: { authorization: `Bearer ${key}` } })
    expect(response.status).toBe(200)
    const usage = asUsage(await response.json())
    expect(usage.tenant).toBe("tenant-rows")
    expect(usage.data.filter((row) => row.user === "ann").length).toBe(callsA)
    expect(usage.data.filter((row) => row.user === "bob").length).toBe(callsB)
    expect(usage.data.length).toBe(callsA + callsB)
  }
}, 90_000)

it("retrieves on B a response stored on A and continues it there with its history", async () => {
  await addUser("rita", "rita-pw-1")
  const key = await createKey(a, "rita", "tenant-responses")
  await within(REPLICATION_BOUND_MS, "the key on B", () => keyRowOn(b, key.id), 5)
  const auth = `Bearer ${key.key}`
  const first = await post(a, "/v1/responses", { model: "echo", input: "alpha beta gamma", store: true }, auth)
  expect(first.status).toBe(200)
  const stored = asResponse(first.body)
  const storedAt = Date.now()
  const retrieved = await within(REPLICATION_BOUND_MS, "the stored response on B", async () => (await fetch(`${b.harper.url}/v1/responses/${stored.id}`, { headers: { authorization: auth } })).status === 200, 10)
  const continued = await post(b, "/v1/responses", { model: "echo", input: "second", previous_response_id: stored.id, store: true }, auth)
  console.log(`response stored on A: retrievable on B after ${retrieved} ms, continued on B ${Date.now() - storedAt} ms after it was stored`)
  expect(continued.status).toBe(200)
  const next = asResponse(continued.body)
  expect(next.previous_response_id).toBe(stored.id)
  // The echo counts every input word: the history read on B is the 3 words sent and the 3 echoed back.
  const alone = asResponse((await post(b, "/v1/responses", { model: "echo", input: "second", store: false }, auth)).body)
  expect(next.usage.input_tokens).toBe(alone.usage.input_tokens + 6)
  // Another tenant on B cannot see it.
  const other = await createKey(a, "rita", "tenant-other")
  await within(REPLICATION_BOUND_MS, "the other key on B", () => keyRowOn(b, other.id), 5)
  expect((await fetch(`${b.harper.url}/v1/responses/${stored.id}`, { headers: { authorization: `Bearer ${other.key}` } })).status).toBe(404)
  // And back: the continuation made on B is retrievable on A.
  await within(REPLICATION_BOUND_MS, "the continuation on A", async () => (await fetch(`${a.harper.url}/v1/responses/${next.id}`, { headers: { authorization: auth } })).status === 200, 10)
}, 60_000)

async function setLimit(node: ClusterNode, body: Record<string, unknown>): Promise<void> {
  expect([200, 201]).toContain((await post(node, "/gateway/limits", body, basic)).status)
}

/** The requests limit B's rule cache applies to a key, from its headers on GET /v1/models (which takes nothing from the limits). */
async function requestsLimitOn(node: ClusterNode, key: string): Promise<string | null> {
  const response = await fetch(`${node.harper.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
  await response.arrayBuffer()
  return response.headers.get("x-ratelimit-limit-requests")
}

it("holds a requests limit cluster-wide: calls alternated between A and B are admitted up to the limit plus what the other node admits within the sync staleness", async () => {
  await addUser("rue", "rue-pw-1")
  const key = await createKey(a, "rue", "tenant-rate")
  await within(REPLICATION_BOUND_MS, "the key on B", () => keyRowOn(b, key.id), 5)
  const LIMIT = 10
  const WINDOW_MS = 3_600_000 // an hour, aligned on the clock: the test must not straddle its end
  const toWindowEnd = WINDOW_MS - (Date.now() % WINDOW_MS)
  if (toWindowEnd < 60_000) await new Promise((r) => setTimeout(r, toWindowEnd + 100))
  const setAt = Date.now()
  await setLimit(a, { key: key.id, requests: LIMIT, windowSeconds: WINDOW_MS / 1_000 })
  // B applies the rule once its row has arrived and its 5 s rule cache has expired.
  const known = await within(REPLICATION_BOUND_MS + 5_000, "the limit applied on B", async () => (await requestsLimitOn(b, key.key)) === String(LIMIT), 100)
  console.log(`requests limit set on A: applied on B after ${Date.now() - setAt} ms (${known} ms of polling)`)

  // One call every SPACING_MS, alternately on A and B: the other node's calls a node cannot see yet are those of the last LIMIT_STALENESS_MS.
  const SPACING_MS = 150
  const tolerance = Math.ceil(LIMIT_STALENESS_MS / (2 * SPACING_MS))
  const statuses: { node: string; status: number }[] = []
  for (let i = 0; i < 2 * LIMIT + 4; i++) {
    const started = Date.now()
    const node = i % 2 === 0 ? a : b
    statuses.push({ node: node.name, status: (await chat(node, `Bearer ${key.key}`)).status })
    await new Promise((r) => setTimeout(r, Math.max(0, SPACING_MS - (Date.now() - started))))
  }
  const admitted = statuses.filter((call) => call.status === 200)
  console.log(
    `requests limit ${LIMIT} per window, ${statuses.length} calls alternated A/B every ${SPACING_MS} ms: ${admitted.length} admitted (A ${admitted.filter((call) => call.node === a.name).length}, B ${admitted.filter((call) => call.node === b.name).length}); tolerance ${tolerance} (the other node's calls in ${LIMIT_STALENESS_MS} ms); per-node counting would admit ${2 * LIMIT}`,
  )
  expect(statuses.every((call) => call.status === 200 || call.status === 429)).toBe(true)
  expect(admitted.length).toBeGreaterThanOrEqual(LIMIT)
  expect(admitted.length).toBeLessThanOrEqual(LIMIT + tolerance)
  // Once both nodes have synced, both refuse.
  await new Promise((r) => setTimeout(r, LIMIT_STALENESS_MS))
  expect((await chat(a, `Bearer ${key.key}`)).status).toBe(429)
  expect((await chat(b, `Bearer ${key.key}`)).status).toBe(429)
}, 90_000)

it("refuses on B a budget spent on A within the sync staleness", async () => {
  await addUser("bud", "bud-pw-1")
  const key = await createKey(a, "bud", "tenant-budget")
  await within(REPLICATION_BOUND_MS, "the key on B", () => keyRowOn(b, key.id), 5)
  const auth = `Bearer ${key.key}`
  const BUDGET = 0.3 // five calls of $0.06
  // The generous requests limit only makes the rule visible in B's headers.
  await setLimit(a, { key: key.id, budgetUsd: BUDGET, budgetPeriod: "day", requests: 1_000_000, windowSeconds: 60 })
  await within(REPLICATION_BOUND_MS + 5_000, "the rule applied on B", async () => (await requestsLimitOn(b, key.key)) === "1000000", 100)
  // B loads the day's spend before A spends: from then on only the sync tells it about A's calls.
  expect((await chat(b, auth, "hello there friend", "priced")).status).toBe(200)
  let onA = 0
  for (;;) {
    const answer = await chat(a, auth, "hello there friend", "priced")
    if (answer.status !== 200) {
      expect(answer).toMatchObject({ status: 429, body: { error: { code: "insufficient_quota" } } })
      break
    }
    onA++
    expect(onA).toBeLessThan(10)
  }
  const refusedOnA = Date.now()
  let admittedOnB = 0
  const refusedAfter = await within(
    LIMIT_STALENESS_MS,
    "the budget refused on B",
    async () => {
      const answer = await chat(b, auth, "hello there friend", "priced")
      if (answer.status === 200) admittedOnB++
      return answer.status === 429
    },
    50,
  )
  console.log(`budget $${BUDGET}: 1 call on B, then ${onA} on A until refused; B refused ${refusedAfter} ms later (bound ${LIMIT_STALENESS_MS} ms), after admitting ${admittedOnB} more calls ($${(admittedOnB * 0.06).toFixed(2)} over)`)
  // B's first call is counted on A if its row or B's record had arrived when A loaded the spend.
  expect(onA).toBeGreaterThanOrEqual(4)
  expect(onA).toBeLessThanOrEqual(5)
  expect(refusedAfter).toBeLessThanOrEqual(Date.now() - refusedOnA)
}, 60_000)

it("keeps serving on A while B is killed (kill -9) mid-burst; after B restarts its journalled rows reach both nodes and the totals match the calls made", async () => {
  await addUser("kai", "kai-pw-1")
  await addUser("lea", "lea-pw-1")
  const onA = await createKey(a, "kai", "tenant-burst")
  const onB = await createKey(a, "lea", "tenant-burst")
  await within(REPLICATION_BOUND_MS, "the keys on B", async () => (await keyRowOn(b, onA.id)) && (await keyRowOn(b, onB.id)), 5)
  // B restarted with a flush interval longer than the test: its rows of the burst can only survive in its journal.
  await b.harper.stop()
  await b.start(gatewayConfig(600_000))
  await cluster.connected()

  const answeredOnB = 40
  const burstB = await Promise.all(Array.from({ length: answeredOnB }, (_, i) => chat(b, `Bearer ${onB.key}`, `B burst ${i}`).then((answer) => answer.status)))
  expect(burstB).toEqual(Array(answeredOnB).fill(200))
  const inFlightOnB = 6
  const receivedBefore = hangingReceived
  const pending = Array.from({ length: inFlightOnB }, (_, i) => chat(b, `Bearer ${onB.key}`, `B in flight ${i}`, "hang").catch(() => "cut"))
  await within(30_000, "the calls in flight on B reaching the upstream", async () => hangingReceived >= receivedBefore + inFlightOnB, 20)
  // A serves throughout: a stream of calls before, during and after the kill.
  let servingA = true
  const statusesA: number[] = []
  const loopA = (async () => {
    while (servingA) {
      statusesA.push((await chat(a, `Bearer ${onA.key}`, "A during the kill")).status)
      await new Promise((r) => setTimeout(r, 50))
    }
  })()
  await new Promise((r) => setTimeout(r, 300))
  await b.harper.kill()
  const killedAt = Date.now()
  await Promise.all(pending)
  await new Promise((r) => setTimeout(r, 1_000))
  const restartedAt = Date.now()
  await b.start(gatewayConfig(100))
  await cluster.connected()
  console.log(`B killed and restarted: serving and connected again after ${Date.now() - restartedAt} ms; A answered ${statusesA.length} calls meanwhile`)
  servingA = false
  await loopA
  expect(statusesA.length).toBeGreaterThan(10)
  expect(statusesA.every((status) => status === 200)).toBe(true)

  const expectedRows = answeredOnB + inFlightOnB + statusesA.length
  const rowsOf = (node: ClusterNode) => sql(node, "SELECT id, `user`, outcome FROM gateway.hdb_model_calls WHERE tenant = 'tenant-burst'")
  const journalled = async (node: ClusterNode) => (await rowsOf(node)).filter((row) => row["user"] === "lea").length >= answeredOnB + inFlightOnB
  const replayed = await within(30_000, "B's journalled rows on both nodes", async () => (await rowsOf(a)).length >= expectedRows && (await journalled(b)), 50).catch(async (error: unknown) => {
    for (const node of [a, b]) console.log(node.name, JSON.stringify(await sql(node, "SELECT `user`, outcome, COUNT(*) AS n FROM gateway.hdb_model_calls WHERE tenant = 'tenant-burst' GROUP BY `user`, outcome")))
    console.log(`expected: kai success ${statusesA.length}, lea success ${answeredOnB}, lea interrupted ${inFlightOnB}; B log ${b.harper.logPath}`)
    throw error
  })
  console.log(`B's journalled rows (${answeredOnB} answered, ${inFlightOnB} in flight) on both nodes ${replayed} ms after B was connected again`)
  await new Promise((r) => setTimeout(r, 1_000)) // anything replayed twice would show now
  for (const node of [a, b]) {
    const rows = await rowsOf(node)
    expect(new Set(rows.map((row) => row["id"])).size).toBe(rows.length)
    // B's journalled rows, replayed at its restart, on both nodes: exactly one per call.
    expect(rows.filter((row) => row["user"] === "lea" && row["outcome"] === "success").length).toBe(answeredOnB)
    expect(rows.filter((row) => row["user"] === "lea" && row["outcome"] === "interrupted").length).toBe(inFlightOnB)
  }
  // A, which kept serving, holds every row: the totals match the calls made.
  const rowsOnA = await rowsOf(a)
  expect(rowsOnA.length).toBe(expectedRows)
  expect(rowsOnA.filter((row) => row["user"] === "kai" && row["outcome"] === "success").length).toBe(statusesA.length)
  // B's copy of A's rows: Harper replication, not the gateway. Rows A wrote while B was
  // dead reach B when it is back (Harper sends B what it missed since the position B last
  // recorded): asserted. Rows A sent in the moment of the kill may never reach B: B records
  // the position it received before the rows it received are committed, so a kill -9 in
  // between skips them for good (2 of 149 seen once under load). Counted and printed.
  const kaiRows = (node: ClusterNode) => sql(node, "SELECT id, time FROM gateway.hdb_model_calls WHERE tenant = 'tenant-burst' AND `user` = 'kai'")
  const madeWhileDead = (await kaiRows(a)).filter((row) => typeof row["time"] === "number" && row["time"] >= killedAt).map((row) => row["id"])
  expect(madeWhileDead.length).toBeGreaterThan(5)
  const caughtUp = await within(ROW_VISIBILITY_BOUND_MS, "A's rows made while B was dead, on B", async () => {
    const onB = new Set((await kaiRows(b)).map((row) => row["id"]))
    return madeWhileDead.every((id) => onB.has(id))
  })
  const kaiOnB = (await kaiRows(b)).length
  console.log(`A's ${statusesA.length} rows: the ${madeWhileDead.length} made while B was dead all on B ${caughtUp} ms after the check began; ${kaiOnB} of all ${statusesA.length} on B (those sent at the kill may be missing)`)
  expect(kaiOnB).toBeLessThanOrEqual(statusesA.length)
}, 180_000)
