import { ModelsConfig } from "@harper-gateway/models"
import { Result, Schema, SchemaIssue } from "effect"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

export const GatewayConfig = Schema.Struct({
  models: Schema.optionalKey(ModelsConfig),
  accounting: Schema.optionalKey(
    Schema.Struct({
      retentionDays: Schema.optionalKey(PositiveInt),
      flushIntervalMs: Schema.optionalKey(PositiveInt),
      maxBatch: Schema.optionalKey(PositiveInt),
      /** Where rows are journalled before they are stored; default `<Harper root>/gateway-accounting`. */
      journalDir: Schema.optionalKey(Schema.String),
      /** Rows held in memory while table writes fail (default 20,000); past it the journal alone holds them until writes succeed. */
      maxBufferedRows: Schema.optionalKey(PositiveInt),
    }),
  ),
  auth: Schema.optionalKey(
    Schema.Struct({
      /** Harper roles, besides super users, allowed to use the gateway. */
      roles: Schema.optionalKey(Schema.Array(Schema.String)),
      /** The user-record attribute that names a user's tenant; the username when absent. */
      tenantAttribute: Schema.optionalKey(Schema.String),
    }),
  ),
  responses: Schema.optionalKey(
    Schema.Struct({
      /** Stored /v1/responses objects and their items expire after `ttlDays` (default 30, as OpenAI keeps them). */
      ttlDays: Schema.optionalKey(PositiveInt),
      /**
       * The largest conversation a request may rebuild from storage (`previous_response_id`'s
       * chain and `item_reference`s, with its own input), in bytes of its items' JSON
       * (default 8 MiB, about the text of the largest context windows); past it a 400.
       */
      maxHistoryBytes: Schema.optionalKey(PositiveInt),
      /** The most responses one `previous_response_id` chain may hold (default 1,000); a request that would add one more is a 400. */
      maxChainDepth: Schema.optionalKey(PositiveInt),
    }),
  ),
  limits: Schema.optionalKey(
    Schema.Struct({
      maxBodyBytes: Schema.optionalKey(PositiveInt),
      /** The completion a chat call is assumed to use, for token limits, when it sets no max_tokens (default 1,024). */
      defaultCompletionTokens: Schema.optionalKey(PositiveInt),
      /** The most limit rules gateway_limits may hold (default 10,000): every thread keeps them all in memory. */
      maxRules: Schema.optionalKey(PositiveInt),
      /**
       * How often (ms, default 500) each node publishes its use of every limit rule to
       * gateway_limit_usage and reads the other nodes': limits hold cluster-wide within
       * what the other nodes admit in twice this plus the replication lag.
       */
      clusterSyncMs: Schema.optionalKey(PositiveInt),
    }),
  ),
  /** GET /v1/gateway/usage: usage aggregates running at once, per tenant (default 2) and per node, all threads (default 4); past either a 429. */
  usage: Schema.optionalKey(
    Schema.Struct({
      maxConcurrentPerTenant: Schema.optionalKey(PositiveInt),
      maxConcurrentPerNode: Schema.optionalKey(PositiveInt),
      /** After how long an aggregate's place not released (its thread died) is free again (default 120). */
      aggregateLeaseSeconds: Schema.optionalKey(PositiveInt),
    }),
  ),
  /** Benchmarks only: registers POST /bench/floor, a trivial Resource that shows Harper's own per-request cost. */
  benchmarkFloor: Schema.optionalKey(Schema.Boolean),
})
export type GatewayConfig = typeof GatewayConfig.Type

const decode = Schema.decodeUnknownResult(GatewayConfig)
const format = SchemaIssue.makeFormatterStandardSchemaV1()

/** The plugin's config block (after `${ENV}` expansion), or a message naming what is wrong. */
export function readGatewayConfig(block: unknown): { ok: true; config: GatewayConfig } | { ok: false; message: string } {
  // Harper's own `package` key sits in the same block.
  const own = typeof block === "object" && block !== null ? Object.fromEntries(Object.entries(block).filter(([key]) => key !== "package")) : {}
  const decoded = decode(own, { errors: "first", onExcessProperty: "error" })
  if (Result.isSuccess(decoded)) return { ok: true, config: decoded.success }
  const issue = format(decoded.failure.issue).issues[0]
  const path = (issue?.path ?? []).map((segment) => (typeof segment === "object" ? String(segment.key) : String(segment))).join(".")
  return { ok: false, message: `gateway config ${path === "" ? "" : `at ${path}: `}${issue?.message ?? "is invalid"}` }
}
