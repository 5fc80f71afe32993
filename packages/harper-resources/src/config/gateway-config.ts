import { Result, Schema, SchemaIssue } from "effect"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

const Timeouts = Schema.Struct({
  connectMs: Schema.optionalKey(PositiveInt),
  firstByteMs: Schema.optionalKey(PositiveInt),
  /** Between two data events of a stream (SSE comments are not progress). */
  idleMs: Schema.optionalKey(PositiveInt),
  /** The whole call, first byte to last. */
  totalMs: Schema.optionalKey(PositiveInt),
})

const ResponseLimits = Schema.Struct({
  /** A non-streamed answer larger than this is not read further: the client gets a 502. */
  maxResponseBytes: Schema.optionalKey(PositiveInt),
  /** An upstream error body larger than this is cut here (it is only logged and recorded). */
  maxErrorBytes: Schema.optionalKey(PositiveInt),
})

const Price = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))
/** USD per million tokens, replacing the genai-prices table for this logical model (embeddings: `inputPerMTok`). */
const PriceOverride = Schema.Struct({
  inputPerMTok: Price,
  cachedInputPerMTok: Schema.optionalKey(Price),
  outputPerMTok: Schema.optionalKey(Price),
  reasoningPerMTok: Schema.optionalKey(Price),
})

/** One configured model: `models.<kind>.<logical name>`. */
export const ModelEntry = Schema.Struct({
  backend: Schema.Literals(["openai", "echo"]),
  /** The upstream's model id; defaults to the logical name. */
  model: Schema.optionalKey(Schema.String),
  baseUrl: Schema.optionalKey(Schema.String),
  apiKey: Schema.optionalKey(Schema.String),
  timeouts: Schema.optionalKey(Timeouts),
  /** Other model ids clients may ask for that route to this entry. */
  aliases: Schema.optionalKey(Schema.Array(Schema.String)),
  /**
   * Request fields forwarded to this model beyond the official ones the disposition
   * table passes through: provider extensions (`top_k`, …) and the opt-in official
   * fields `service_tier` and `store`. Any other field is refused with a 400.
   */
  extraFields: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Whether an upstream's OpenAI-shaped error message reaches clients (redacted). Default true. */
  exposeUpstreamErrors: Schema.optionalKey(Schema.Boolean),
  limits: Schema.optionalKey(ResponseLimits),
  price: Schema.optionalKey(PriceOverride),
  /** Echo backend: default embedding size. */
  dimensions: Schema.optionalKey(PositiveInt),
})
export type ModelEntry = typeof ModelEntry.Type

export const GatewayConfig = Schema.Struct({
  models: Schema.optionalKey(
    Schema.Struct({
      generative: Schema.optionalKey(Schema.Record(Schema.String, ModelEntry)),
      embedding: Schema.optionalKey(Schema.Record(Schema.String, ModelEntry)),
    }),
  ),
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
  /** Stored /v1/responses objects and their items expire after `ttlDays` (default 30, as OpenAI keeps them). */
  responses: Schema.optionalKey(Schema.Struct({ ttlDays: Schema.optionalKey(PositiveInt) })),
  limits: Schema.optionalKey(
    Schema.Struct({
      maxBodyBytes: Schema.optionalKey(PositiveInt),
      /** The completion a chat call is assumed to use, for token limits, when it sets no max_tokens (default 1,024). */
      defaultCompletionTokens: Schema.optionalKey(PositiveInt),
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
