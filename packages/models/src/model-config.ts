import { Schema } from "effect"

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

const ReasoningBudgets = Schema.Struct({
  minimal: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  low: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  medium: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  high: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  xhigh: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  max: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
})

/** Options only the gemini backend reads (docs/backends/gemini.md). */
const GeminiOptions = Schema.Struct({
  /** The API version in the path. Default `v1beta`. */
  apiVersion: Schema.optionalKey(Schema.String),
  /** Send schemas as parametersJsonSchema / responseJsonSchema (full JSON Schema) instead of Gemini's OpenAPI subset. Default false. */
  jsonSchemaFields: Schema.optionalKey(Schema.Boolean),
  /** thinkingBudget tokens per reasoning_effort. */
  thinkingBudgets: Schema.optionalKey(ReasoningBudgets),
  /** Sign a replayed tool-call turn whose signature this node does not hold with Google's documented sentinel. Default true. */
  signUnknownToolCalls: Schema.optionalKey(Schema.Boolean),
  /** Bounds of the per-node thought-signature store. */
  thoughtSignatures: Schema.optionalKey(Schema.Struct({ maxEntries: Schema.optionalKey(PositiveInt), maxChars: Schema.optionalKey(PositiveInt), ttlMs: Schema.optionalKey(PositiveInt) })),
})

/** One configured model: `models.<kind>.<logical name>`. */
export const ModelEntry = Schema.Struct({
  backend: Schema.Literals(["openai", "echo", "gemini"]),
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
  gemini: Schema.optionalKey(GeminiOptions),
})
export type ModelEntry = typeof ModelEntry.Type

/** `models:` in the config: logical names of each kind and the entry serving each. */
export const ModelsConfig = Schema.Struct({
  generative: Schema.optionalKey(Schema.Record(Schema.String, ModelEntry)),
  embedding: Schema.optionalKey(Schema.Record(Schema.String, ModelEntry)),
})
export type ModelsConfig = typeof ModelsConfig.Type
