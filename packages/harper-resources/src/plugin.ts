/**
 * The Harper plugin: `handleApplication(scope)` runs once per worker thread and
 * registers the /v1 resources, the runFirst hook that shapes auth and errors, the
 * accounting writer and the key store. This file is wiring only: Harper's runtime is
 * reached through harper/ (tables, users, shared memory, resources) and the adapters
 * beside the modules they serve.
 */
import { buildRegistry, contextWindowOf, createModelsService, type ModelsService } from "@harper-gateway/models"
import { createAggregateGate } from "./accounting/aggregate-gate.ts"
import { startAccounting } from "./accounting/harper-accounting.ts"
import { createUsageReader } from "./accounting/harper-usage-reader.ts"
import { createKeyCache } from "./auth/key-cache.ts"
import { watchTable } from "./auth/watch-table.ts"
import { describeMissing, expandEnv } from "./config/expand-env.ts"
import { readGatewayConfig, type GatewayConfig } from "./config/gateway-config.ts"
import { adminResource, pathnameOf, resource, REST_ONLY } from "./harper/harper-resource.ts"
import { gatewayTable, harperGetUser, nodeName, systemTable } from "./harper/harper-runtime.ts"
import { createFindUser } from "./harper/harper-users.ts"
import { everyIntervalOnOneThread } from "./harper/scheduling.ts"
import { sharedCounters } from "./harper/shared-memory.ts"
import { recordReader, toKeyRecord } from "./harper-tables.ts"
import { chatCompletions } from "./http/chat-completions.ts"
import { completions } from "./http/completions.ts"
import { embeddings } from "./http/embeddings.ts"
import type { Gateway, ResponseHeaderHook } from "./http/gateway.ts"
import { gatewayKeys } from "./http/gateway-keys-endpoint.ts"
import { gatewayLimits } from "./http/limits-endpoint.ts"
import { models } from "./http/models.ts"
import { jsonResponse } from "./http/respond.ts"
import { createResponse, DEFAULT_MAX_CHAIN_DEPTH, DEFAULT_MAX_HISTORY_BYTES, storedResponseRequest, type ResponsesDeps } from "./http/responses.ts"
import { usage } from "./http/usage.ts"
import { DEFAULT_MAX_BODY_BYTES, guardV1, type ResponseLike } from "./http/v1-guard.ts"
import { estimateChatTokens, estimateCompletionTokens, estimateEmbedTokens, outputTokenCounter } from "./limits/estimate-tokens.ts"
import { createClusterSync } from "./limits/cluster-sync.ts"
import { createBudgetStore } from "./limits/harper-budget-store.ts"
import { createLimiter } from "./limits/limiter.ts"
import { createRuleCache } from "./limits/rule-cache.ts"
import type { PluginScope } from "./plugin-scope.ts"
import { callCostUsd } from "./pricing/call-cost.ts"
import { priceOverrides } from "./pricing/price-overrides.ts"
import { createResponseStore, isStoreTable } from "./responses/response-store.ts"

export const suppressHandleApplicationWarning = true

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
  const config = loadConfig(scope)
  const logError = (message: string, error: unknown) => scope.logger.error(message, error)
  const node = nodeName()
  const calls = gatewayTable("hdb_model_calls")
  const rollups = gatewayTable("gateway_usage_rollups")
  const rollupStarts = gatewayTable("gateway_usage_rollup_starts")
  const recorder = startAccounting({
    config: config.accounting,
    rootDirectory: process.env["ROOTPATH"] ?? scope.directory,
    node,
    tables: { calls, rollups, rollupStarts, quarantine: gatewayTable("gateway_quarantine") },
    logger: scope.logger,
  })

  const keys = gatewayTable("gateway_keys")
  const keyCache = createKeyCache(async (id) => toKeyRecord(await keys.get(id)))
  // A key revoked on another thread or node is forgotten here as soon as its row's change arrives.
  void watchTable(keys, keyCache.forget, logError)
  const findUser = createFindUser({ readUser: recordReader(systemTable("hdb_user"), { fresh: true }), getUser: harperGetUser() })

  const limitsTable = gatewayTable("gateway_limits")
  const shared = sharedCounters(calls, (message) => scope.logger.warn(message))
  // Deployments' cooldowns in the same shared slots: one state per node, not per worker thread.
  const { registry, notices } = buildRegistry(config.models, { cooldownSlots: shared })
  for (const notice of notices) scope.logger.warn(`gateway: ${notice}`)
  const limitsVersion = shared("gateway-limits-version")
  const budgets = createBudgetStore({ calls, limits: limitsTable, usage: gatewayTable("gateway_limit_usage") })
  const rules = createRuleCache(budgets.rules, () => Atomics.load(limitsVersion, 0), 5_000, Date.now)
  const counters = (id: string) => shared(`gateway-limit:${id}`)
  const limiter = createLimiter({ rules, counters, spentSince: budgets.spentSince, node, published: budgets.published, now: Date.now })
  everyIntervalOnOneThread({
    task: createClusterSync({ node, rules, counters, readAll: budgets.readAll, publish: budgets.publish, now: Date.now }),
    slots: shared("gateway-limit-sync"),
    intervalMs: config.limits?.clusterSyncMs ?? 500,
    onError: (error) => logError("gateway limits: the cluster sync failed, retrying at the next interval", error),
  })
  const prices = priceOverrides(config.models)
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
  const storedResponses = gatewayTable("gateway_responses")
  const storedItems = gatewayTable("gateway_response_items")
  const storedHeads = gatewayTable("gateway_response_heads")
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
  const aggregateGate = createAggregateGate({
    counters: shared,
    perTenant: config.usage?.maxConcurrentPerTenant ?? 2,
    perNode: config.usage?.maxConcurrentPerNode ?? 4,
    leaseMs: (config.usage?.aggregateLeaseSeconds ?? 120) * 1000,
    now: Date.now,
  })
  const usageReader = createUsageReader({ calls, rollups, rollupStarts })
  scope.resources.set("v1/gateway/usage", resource("GatewayUsage", { get: (_target, request) => usage(gateway, request, { reader: usageReader, gate: aggregateGate }) }), REST_ONLY)
  if (config.benchmarkFloor === true) {
    // A fixed answer the size of a typical completion, through the same static-method path as /v1.
    const floor = jsonResponse(200, { id: "floor", object: "chat.completion", padding: "x".repeat(1800) })
    scope.resources.set("bench/floor", resource("BenchFloor", { post: async () => ({ ...floor, headers: { ...floor.headers } }) }), REST_ONLY)
  }
  if (!hasDelete(limitsTable)) throw new Error("gateway: the limits table cannot delete rows")
  const limitsDeps = { table: limitsTable, changed: () => void Atomics.add(limitsVersion, 0, 1n), logError, ...(config.limits?.maxRules === undefined ? {} : { maxRules: config.limits.maxRules }) }
  scope.resources.set(
    "gateway/limits",
    adminResource("GatewayLimits", (request, pathname, data) => gatewayLimits(request, pathname, data, limitsDeps)),
    REST_ONLY,
  )
  const keysDeps = { table: keys, findUser, revoked: keyCache.revoked, logError }
  scope.resources.set(
    "gateway/keys",
    adminResource("GatewayKeys", (request, pathname, data) => gatewayKeys(request, pathname, data, keysDeps)),
    REST_ONLY,
  )
}

/** The plugin's config block, `${ENV}` expanded and decoded; what is wrong is logged and stops the plugin. */
function loadConfig(scope: PluginScope): GatewayConfig {
  const expanded = expandEnv(scope.options.getAll(), process.env)
  const read = expanded.missing.length > 0 ? { ok: false as const, message: describeMissing(expanded.missing) } : readGatewayConfig(expanded.value)
  if (!read.ok) {
    scope.logger.error(read.message)
    throw new Error(read.message)
  }
  return read.config
}

function hasDelete<T extends object>(value: T): value is T & { delete(id: string): unknown } {
  return typeof Reflect.get(value, "delete") === "function"
}

async function toResponseLike(value: unknown): Promise<ResponseLike | undefined> {
  const resolved: unknown = await value
  return typeof resolved === "object" && resolved !== null ? resolved : undefined
}
