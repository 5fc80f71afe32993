/**
 * The Harper plugin: `handleApplication(scope)` runs once per worker thread and
 * registers the /v1 resources, the runFirst hook that shapes auth and errors, the
 * accounting writer and the key store. Everything else is plain modules; this file is
 * the only one that touches Harper's runtime.
 */
import { hostname } from "node:os"
import { join } from "node:path"
import { parentPort, threadId } from "node:worker_threads"
import { buildRegistry, contextWindowOf, createModelsService, type ModelsService } from "@harper-gateway/models"
import { describeThrown, GatewayFailure } from "@harper-gateway/translate"
import { databases, Resource, server } from "harperdb"
import { createCallRecorder } from "./accounting/call-recorder.ts"
import { openJournal } from "./accounting/journal.ts"
import { processRunId } from "./accounting/process-run-id.ts"
import { replayLeftovers } from "./accounting/replay-leftovers.ts"
import { createKeyCache } from "./auth/key-cache.ts"
import { watchTable } from "./auth/watch-table.ts"
import { describeMissing, expandEnv } from "./config/expand-env.ts"
import { readGatewayConfig } from "./config/gateway-config.ts"
import { isTable, quarantineRow, recordReader, toKeyRecord, type TableLike } from "./harper-tables.ts"
import type { RowStore } from "./accounting/store-rows.ts"
import { chatCompletions } from "./http/chat-completions.ts"
import { completions } from "./http/completions.ts"
import { embeddings } from "./http/embeddings.ts"
import type { Gateway, ResponseHeaderHook } from "./http/gateway.ts"
import { gatewayKeys } from "./http/gateway-keys-endpoint.ts"
import type { HarperRequest } from "./http/harper-request.ts"
import { models } from "./http/models.ts"
import { usage, type TimeRange, type UsageReader } from "./http/usage.ts"
import { aggregateWithRollups } from "./accounting/aggregate-with-rollups.ts"
import { createRollupWriter } from "./accounting/rollup-writer.ts"
import { createAggregateGate } from "./accounting/aggregate-gate.ts"
import { createResponse, DEFAULT_MAX_CHAIN_DEPTH, DEFAULT_MAX_HISTORY_BYTES, storedResponseRequest, type ResponsesDeps } from "./http/responses.ts"
import { createResponseStore, isStoreTable } from "./responses/response-store.ts"
import { jsonResponse, type HarperResponse } from "./http/respond.ts"
import { DEFAULT_MAX_BODY_BYTES, guardV1, type ResponseLike } from "./http/v1-guard.ts"
import { gatewayLimits } from "./http/limits-endpoint.ts"
import { estimateChatTokens, estimateCompletionTokens, estimateEmbedTokens, outputTokenCounter } from "./limits/estimate-tokens.ts"
import { toLimitRule, type LimitRule } from "./limits/limit-rule.ts"
import { createClusterSync } from "./limits/cluster-sync.ts"
import { createLimiter, SLOT_COUNT } from "./limits/limiter.ts"
import { toPeerUsage, type PeerUsage } from "./limits/peer-usage.ts"
import { createRuleCache } from "./limits/rule-cache.ts"
import { callCostUsd, type PriceOverride } from "./pricing/call-cost.ts"
import type { PluginScope } from "./plugin-scope.ts"

export const suppressHandleApplicationWarning = true

/** REST only: no MQTT, WebSocket, GraphQL or MCP exposure of the gateway resources. */
const REST_ONLY = { rest: true, mqtt: false, ws: false, sse: false, graphql: false, mcp: false } as const

/** The model facade of this worker, for application code (`import { gatewayModels } from "harper-gateway"`). */
export let gatewayModels: ModelsService | undefined

const responseHeaderHooks: ResponseHeaderHook[] = []

/**
 * Adds response headers to every /v1 answer (the pathway for `x-ratelimit-*`): the hook
 * gets who asked and the endpoint, and returns headers to set.
 */
export function addResponseHeaderHook(hook: ResponseHeaderHook): void {
  responseHeaderHooks.push(hook)
}

export function handleApplication(scope: PluginScope): void {
  const expanded = expandEnv(scope.options.getAll(), process.env)
  if (expanded.missing.length > 0) {
    const message = describeMissing(expanded.missing)
    scope.logger.error(message)
    throw new Error(message)
  }
  const read = readGatewayConfig(expanded.value)
  if (!read.ok) {
    scope.logger.error(read.message)
    throw new Error(read.message)
  }
  const config = read.config

  const calls = table("hdb_model_calls")
  const keys = table("gateway_keys")
  calls.setTTLExpiration((config.accounting?.retentionDays ?? 90) * 86_400)

  // Harper 4.7 exits at once on SIGTERM, so rows are journalled synchronously before they are batched.
  const journalDir = config.accounting?.journalDir ?? join(process.env["ROOTPATH"] ?? scope.directory, "gateway-accounting")
  // Names this start of Harper, in every worker: leftovers of other starts are replayed even when the pid repeats.
  const runId = processRunId()
  const maxBatch = config.accounting?.maxBatch ?? 500
  const journal = openJournal(journalDir, runId, String(threadId))
  const rollups = table("gateway_usage_rollups")
  rollups.setTTLExpiration((config.accounting?.retentionDays ?? 90) * 86_400)
  const rollupStarts = table("gateway_usage_rollup_starts")
  // Every row this worker stores (journal replays included) is added to its rollups in the same transaction.
  const writeCalls = createRollupWriter({ calls, rollups, writer: { node: nodeName(), thread: String(threadId) }, readRow: recordReader(calls) })
  void markRollupsStart(rollupStarts, calls, nodeName()).catch((error: unknown) => scope.logger.error("gateway accounting: could not record when the usage rollups start", error))
  const quarantine = table("gateway_quarantine")
  const store: RowStore = {
    write: writeCalls,
    quarantine: (row, reason) => quarantineRow(quarantine, { row, reason }, (message) => scope.logger.error(message)),
  }
  const recorder = createCallRecorder({
    store,
    flushIntervalMs: config.accounting?.flushIntervalMs ?? 500,
    maxBatch,
    ...(config.accounting?.maxBufferedRows === undefined ? {} : { maxBuffered: config.accounting.maxBufferedRows }),
    onError: (error, pending) => scope.logger.error(`gateway accounting: write failed, ${pending} rows kept in memory, every row in the journal`, error),
    journal,
  })
  const replay = (attempt: number): void =>
    void replayLeftovers({
      directory: journalDir,
      runId,
      worker: String(threadId),
      store,
      maxBatch,
      // A call whose final row was set aside is not turned into an interrupted one either.
      isStored: async (id) => isPresent(await calls.get(id)) || isPresent(await quarantine.get(id)),
    }).catch((error: unknown) => {
      scope.logger.error(`gateway accounting: replaying the journal failed (attempt ${attempt}), retrying`, error)
      setTimeout(() => replay(attempt + 1), Math.min(60_000, 1_000 * 2 ** attempt)).unref()
    })
  replay(1)
  // When Harper does stop a worker gracefully (restarts), write what is buffered.
  parentPort?.on("message", (message: unknown) => {
    if (typeof message === "object" && message !== null && Reflect.get(message, "type") === "shutdown") void recorder.close()
  })

  const keyCache = createKeyCache(async (id) => toKeyRecord(await keys.get(id)))
  // A key revoked on another thread or node is forgotten here as soon as its row's change arrives.
  void watchTable(keys, keyCache.forget, (message, error) => scope.logger.error(message, error))
  const readUser = recordReader(systemTable("hdb_user"))
  // Harper's `server.getUser(username, null)` fetches a user without a password check; its typings demand a request.
  const getUser: unknown = Reflect.get(server, "getUser")
  const findUser = async (username: string): Promise<unknown> => {
    if (!isFunction(getUser)) return undefined
    let stored: unknown
    let user: unknown
    try {
      // getUser answers `{username}` for a name that does not exist; the user table says whether it does, and since when.
      stored = await readUser(username)
      if (typeof stored !== "object" || stored === null) return undefined
      user = await Reflect.apply(getUser, server, [username, null])
    } catch (error) {
      if (statusOf(error) === 401) return undefined // Harper's answer for an inactive user
      throw new GatewayFailure({ _tag: "Unavailable", detail: describeThrown(error) })
    }
    if (typeof user !== "object" || user === null || typeof stored !== "object" || stored === null) return undefined
    return { ...user, createdTime: Reflect.get(stored, "__createdtime__") }
  }

  const logError = (message: string, error: unknown) => scope.logger.error(message, error)
  const limitsTable = table("gateway_limits")
  const shared = sharedCounters(calls, scope.logger)
  // Deployments' cooldowns in the same shared slots: one state per node, not per worker thread.
  const { registry, notices } = buildRegistry(config.models, { cooldownSlots: shared })
  for (const notice of notices) scope.logger.warn(`gateway: ${notice}`)
  const limitsVersion = shared("gateway-limits-version")
  const rules = createRuleCache(
    async () => {
      const found: LimitRule[] = []
      for await (const row of limitsTable.search({})) {
        const rule = toLimitRule(row)
        if (rule !== undefined) found.push(rule)
      }
      return found
    },
    () => Atomics.load(limitsVersion, 0),
    5_000,
    Date.now,
  )
  const usageTable = table("gateway_limit_usage")
  const node = nodeName()
  const readUsage = async (query: object): Promise<readonly PeerUsage[]> => {
    const found: PeerUsage[] = []
    for await (const row of usageTable.search(query)) {
      const usage = toPeerUsage(row)
      if (usage !== undefined) found.push(usage)
    }
    return found
  }
  const counters = (id: string) => shared(`gateway-limit:${id}`)
  const limiter = createLimiter({
    rules,
    counters,
    spentSince: (rule, since) => spentSince(calls, rule, since),
    node,
    published: (ruleId) => readUsage({ conditions: [{ attribute: "ruleId", value: ruleId }] }),
    now: Date.now,
  })
  startClusterSync(
    createClusterSync({ node, rules, counters, readAll: () => readUsage({}), publish: async (usage) => void (await usageTable.put({ ...usage })), now: Date.now }),
    shared("gateway-limit-sync"),
    config.limits?.clusterSyncMs ?? 500,
    logError,
  )
  const prices = new Map<string, PriceOverride>()
  for (const kind of [config.models?.generative, config.models?.embedding]) for (const [name, entry] of Object.entries(kind ?? {})) if (entry.price !== undefined) prices.set(name, entry.price)
  const defaultCompletionTokens = config.limits?.defaultCompletionTokens ?? 1_024
  const service = createModelsService(registry, recorder, {
    onFailureDetail: (message) => scope.logger.warn(message),
    limits: {
      limiter,
      estimateChat: (call) => estimateChatTokens(call, defaultCompletionTokens),
      estimateEmbed: estimateEmbedTokens,
      estimateCompletion: (call) => estimateCompletionTokens(call, defaultCompletionTokens),
      countOutput: outputTokenCounter,
    },
    price: (logicalModel, upstreamModel, tokens, at) => callCostUsd(tokens, upstreamModel, logicalModel === null ? undefined : prices.get(logicalModel), at),
  })
  gatewayModels = service
  const gateway: Gateway = {
    models: service,
    auth: {
      settings: { roles: new Set(config.auth?.roles ?? []), tenantAttribute: config.auth?.tenantAttribute ?? "tenant" },
      deps: { findKey: keyCache.find, findUser },
    },
    headerHooks: responseHeaderHooks,
    logError,
    limitHeaders: (principal) => limiter.peekHeaders({ tenant: principal.tenant, keyId: principal.keyId ?? null }, null),
  }
  const loadedAt = Math.floor(Date.now() / 1000)

  const maxBodyBytes = config.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  scope.server.http((request, next) => guardV1(request, (inner) => toResponseLike(next(inner)), maxBodyBytes), { runFirst: true })

  scope.resources.set(
    "v1/chat/completions",
    resource("ChatCompletions", {
      post: (_target, data, request) => chatCompletions(gateway, request, data),
      // An exact `Accept: text/event-stream` makes Harper call connect() with the body in request.data.
      connect: (_target, _incoming, request) => chatCompletions(gateway, request, request.data),
    }),
    REST_ONLY,
  )
  scope.resources.set(
    "v1/completions",
    resource("Completions", {
      post: (_target, data, request) => completions(gateway, request, data),
      connect: (_target, _incoming, request) => completions(gateway, request, request.data),
    }),
    REST_ONLY,
  )
  const storedResponses = table("gateway_responses")
  const storedItems = table("gateway_response_items")
  const storedHeads = table("gateway_response_heads")
  for (const stored of [storedResponses, storedItems, storedHeads]) stored.setTTLExpiration((config.responses?.ttlDays ?? 30) * 86_400)
  if (!isStoreTable(storedResponses) || !isStoreTable(storedItems) || !isStoreTable(storedHeads)) throw new Error("gateway: the response tables cannot delete rows")
  const responsesDeps: ResponsesDeps = {
    store: createResponseStore(storedResponses, storedItems, storedHeads),
    bounds: { maxDepth: config.responses?.maxChainDepth ?? DEFAULT_MAX_CHAIN_DEPTH, maxBytes: config.responses?.maxHistoryBytes ?? DEFAULT_MAX_HISTORY_BYTES },
    window: { contextWindowOf: contextWindowOf(config.models), defaultOutputTokens: defaultCompletionTokens },
  }
  scope.resources.set(
    "v1/responses",
    resource("Responses", {
      post: (target, data, request) => (pathnameOf(target).replace(/\/+$/, "") === "" ? createResponse(gateway, responsesDeps, request, data) : storedResponseRequest(gateway, responsesDeps, request, pathnameOf(target))),
      connect: (_target, _incoming, request) => createResponse(gateway, responsesDeps, request, request.data),
      get: (target, request) => storedResponseRequest(gateway, responsesDeps, request, pathnameOf(target)),
      delete: (target, request) => storedResponseRequest(gateway, responsesDeps, request, pathnameOf(target)),
    }),
    REST_ONLY,
  )
  scope.resources.set("v1/embeddings", resource("Embeddings", { post: (_target, data, request) => embeddings(gateway, request, data) }), REST_ONLY)
  scope.resources.set("v1/models", resource("Models", { get: (target, request) => models(gateway, request, pathnameOf(target), loadedAt) }), REST_ONLY)
  const inRange = (tenant: string, range: TimeRange) => [
    { attribute: "tenant", value: tenant },
    { attribute: "time", comparator: "between", value: [range.from, range.to] },
  ]
  const usageReader: UsageReader = {
    async rows(tenant, range, limit) {
      const rows: unknown[] = []
      for await (const row of calls.search({ conditions: inRange(tenant, range), sort: { attribute: "time", descending: true }, limit })) rows.push({ ...(typeof row === "object" && row !== null ? row : {}) })
      return rows
    },
    aggregate: async (tenant, range, grouping) =>
      aggregateWithRollups(
        {
          rows: (span) => calls.search({ conditions: inRange(tenant, span) }),
          rollups: (hours) => rollups.search({ conditions: [{ attribute: "tenant", value: tenant }, { attribute: "hour", comparator: "between", value: [hours.from, hours.to] }] }),
        },
        { range, grouping, rollupsSince: await rollupsSince(rollupStarts) },
      ),
  }
  const aggregateGate = createAggregateGate({
    counters: shared,
    perTenant: config.usage?.maxConcurrentPerTenant ?? 2,
    perNode: config.usage?.maxConcurrentPerNode ?? 4,
    leaseMs: (config.usage?.aggregateLeaseSeconds ?? 120) * 1000,
    now: Date.now,
  })
  scope.resources.set("v1/gateway/usage", resource("GatewayUsage", { get: (_target, request) => usage(gateway, request, { reader: usageReader, gate: aggregateGate }) }), REST_ONLY)
  if (config.benchmarkFloor === true) {
    // A fixed answer the size of a typical completion, through the same static-method path as /v1.
    const floor = jsonResponse(200, { id: "floor", object: "chat.completion", padding: "x".repeat(1800) })
    scope.resources.set("bench/floor", resource("BenchFloor", { post: async () => ({ ...floor, headers: { ...floor.headers } }) }), REST_ONLY)
  }
  if (!hasDelete(limitsTable)) throw new Error("gateway: the limits table cannot delete rows")
  const limitsDeps = { table: limitsTable, changed: () => void Atomics.add(limitsVersion, 0, 1n), logError, ...(config.limits?.maxRules === undefined ? {} : { maxRules: config.limits.maxRules }) }
  scope.resources.set("gateway/limits", adminResource("GatewayLimits", (request, pathname, data) => gatewayLimits(request, pathname, data, limitsDeps)), REST_ONLY)
  const keysDeps = { table: keys, findUser, revoked: keyCache.revoked, logError }
  scope.resources.set("gateway/keys", adminResource("GatewayKeys", (request, pathname, data) => gatewayKeys(request, pathname, data, keysDeps)), REST_ONLY)
}

/** A super users' endpoint under /gateway/…: GET, POST and DELETE go to one handler with the path after the resource. */
function adminResource(name: string, handle: (request: HarperRequest, pathname: string, data: unknown) => Promise<HarperResponse>): typeof Resource {
  return resource(name, {
    get: (target, request) => handle(request, pathnameOf(target), undefined),
    post: (target, data, request) => handle(request, pathnameOf(target), data),
    delete: (target, request) => handle(request, pathnameOf(target), undefined),
  })
}

interface StaticHandlers {
  readonly get?: (target: unknown, request: HarperRequest) => Promise<HarperResponse>
  readonly delete?: (target: unknown, request: HarperRequest) => Promise<HarperResponse>
  readonly post?: (target: unknown, data: unknown, request: HarperRequest) => Promise<HarperResponse>
  readonly connect?: (target: unknown, incoming: unknown, request: HarperRequest) => Promise<HarperResponse>
}

/**
 * A Resource whose static methods are the gateway's handlers. Overriding the statics
 * takes Harper's raw arguments (body as a promise, unparsed target) and skips its
 * transaction and permission wrapper: the handlers authenticate themselves.
 */
function resource(name: string, handlers: StaticHandlers): typeof Resource {
  const named = { [name]: class extends Resource {} }[name] ?? class extends Resource {}
  for (const [method, handler] of Object.entries(handlers)) Object.defineProperty(named, method, { value: handler, writable: true, configurable: true })
  return named
}

/**
 * Counters shared by every worker thread of this Harper process: lmdb's user shared
 * buffers (one per key, per environment), read and changed with Atomics; `length` slots
 * (the limits' SLOT_COUNT unless asked; a key is always asked with one length). Without
 * them (not Harper's lmdb) each thread counts alone, and the log says so.
 */
function sharedCounters(calls: TableLike, logger: PluginScope["logger"]): (key: string, length?: number) => BigInt64Array {
  const store: unknown = Reflect.get(calls, "primaryStore")
  const get: unknown = typeof store === "object" && store !== null ? Reflect.get(store, "getUserSharedBuffer") : undefined
  if (!isFunction(get)) logger.warn("gateway: lmdb's shared buffers are missing: limits and cooldowns are counted per worker thread")
  const known = new Map<string, BigInt64Array>()
  return (key, length = SLOT_COUNT) => {
    let slots = known.get(key)
    if (slots === undefined) {
      const buffer: unknown = isFunction(get) ? Reflect.apply(get, store, [key, new ArrayBuffer(length * 8)]) : new SharedArrayBuffer(length * 8)
      slots = buffer instanceof ArrayBuffer || buffer instanceof SharedArrayBuffer ? new BigInt64Array(buffer, 0, length) : new BigInt64Array(new SharedArrayBuffer(length * 8))
      known.set(key, slots)
    }
    return slots
  }
}

/**
 * Runs the cluster sync every `intervalMs` on one thread of the process at a time: each
 * thread's timer tries to claim the round in a shared slot (when the next one is due), so
 * a node syncs about once an interval whatever its thread count, and keeps syncing if a
 * thread stops.
 */
function startClusterSync(sync: () => Promise<void>, slots: BigInt64Array, intervalMs: number, logError: (message: string, error: unknown) => void): void {
  let running = false
  setInterval(() => {
    const now = BigInt(Date.now())
    const due = Atomics.load(slots, 0)
    if (running || now < due || Atomics.compareExchange(slots, 0, due, now + BigInt(Math.ceil((intervalMs * 3) / 4))) !== due) return
    running = true
    sync()
      .catch((error: unknown) => logError("gateway limits: the cluster sync failed, retrying at the next interval", error))
      .finally(() => {
        running = false
      })
  }, intervalMs).unref()
}

/** Harper's name for this node (its replication hostname): the node part of gateway_limit_usage ids. */
function nodeName(): string {
  const name: unknown = Reflect.get(server, "hostname")
  return typeof name === "string" && name !== "" ? name : (process.env["REPLICATION_HOSTNAME"] ?? hostname())
}

/** USD recorded in the accounting table for a rule's owner (and model) since `since`; `time` and `tenant` are indexed. */
async function spentSince(calls: TableLike, rule: LimitRule, since: number): Promise<number> {
  const conditions: object[] = [{ attribute: "time", comparator: "greater_than_equal", value: since }]
  if (rule.tenant !== null) conditions.unshift({ attribute: "tenant", value: rule.tenant })
  let sum = 0
  for await (const row of calls.search({ conditions, select: ["cost_usd", "keyId", "logicalModel"] })) {
    if (typeof row !== "object" || row === null) continue
    if (rule.keyId !== null && Reflect.get(row, "keyId") !== rule.keyId) continue
    if (rule.model !== null && Reflect.get(row, "logicalModel") !== rule.model) continue
    const cost: unknown = Reflect.get(row, "cost_usd")
    if (typeof cost === "number") sum += cost
  }
  return sum
}

/**
 * Records, once per node, since when its rows are all in the rollups: 0 when it starts
 * with no rows at all, else now (rows stored before by an older version are not in them,
 * and aggregates read those row by row).
 */
async function markRollupsStart(starts: TableLike, calls: TableLike, node: string): Promise<void> {
  if (isPresent(await starts.get(node))) return
  let anyRow = false
  for await (const _row of calls.search({})) {
    anyRow = true
    break
  }
  await starts.put({ id: node, since: anyRow ? Date.now() : 0 })
}

/** The latest start of all nodes' rollups (before it some node's rows may be missing from them); none yet: never. */
async function rollupsSince(starts: TableLike): Promise<number> {
  let since = Number.POSITIVE_INFINITY
  let found = false
  for await (const row of starts.search({})) {
    const value: unknown = typeof row === "object" && row !== null ? Reflect.get(row, "since") : undefined
    if (typeof value !== "number") continue
    since = found ? Math.max(since, value) : value
    found = true
  }
  return since
}

function hasDelete<T extends object>(value: T): value is T & { delete(id: string): unknown } {
  return typeof Reflect.get(value, "delete") === "function"
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null
}

function isFunction(value: unknown): value is (...args: unknown[]) => unknown {
  return typeof value === "function"
}

/** A Harper record's status code (Harper's ClientError carries the HTTP status it means). */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined
  const status: unknown = Reflect.get(error, "statusCode") ?? Reflect.get(error, "status")
  return typeof status === "number" ? status : undefined
}

function systemTable(name: string): TableLike {
  const database: unknown = Reflect.get(databases, "system")
  const found: unknown = typeof database === "object" && database !== null ? Reflect.get(database, name) : undefined
  if (!isTable(found)) throw new Error(`gateway: Harper's table system.${name} is missing`)
  return found
}

function table(name: string): TableLike {
  const database: unknown = Reflect.get(databases, "gateway")
  const found: unknown = typeof database === "object" && database !== null ? Reflect.get(database, name) : undefined
  if (!isTable(found)) throw new Error(`gateway: table gateway.${name} is missing (the plugin's schema.graphql did not load)`)
  return found
}

/** Static overrides get the raw RequestTarget, whose id is not parsed: `/gpt-4o` for /v1/models/gpt-4o. */
function pathnameOf(target: unknown): string {
  const pathname: unknown = typeof target === "object" && target !== null ? Reflect.get(target, "pathname") : undefined
  return typeof pathname === "string" ? pathname : ""
}

async function toResponseLike(value: unknown): Promise<ResponseLike | undefined> {
  const resolved: unknown = await value
  return typeof resolved === "object" && resolved !== null ? resolved : undefined
}
