import { Schema } from "effect"
import { AnthropicEntryOptions } from "./backends/anthropic-config.ts"
import { GeminiEntryOptions } from "./backends/gemini-config.ts"
import { OllamaEntryOptions } from "./backends/ollama-config.ts"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

const Timeouts = Schema.Struct({
  connectMs: Schema.optionalKey(PositiveInt),
  /** Until the answer's headers; for a stream, until its first content. */
  firstByteMs: Schema.optionalKey(PositiveInt),
  /** Between two contents of a stream (pings, SSE comments and empty chunks are not progress). */
  idleMs: Schema.optionalKey(PositiveInt),
  /** A non-streamed answer's body, from its headers to its last byte. */
  bodyMs: Schema.optionalKey(PositiveInt),
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

const Backend = Schema.Literals(["openai", "echo", "anthropic", "ollama", "gemini"])

/** What a backend is built from: an entry's own fields, or one deployment's (which override the entry's). */
const backendFields = {
  /** The upstream's model id; defaults to the logical name. */
  model: Schema.optionalKey(Schema.String),
  baseUrl: Schema.optionalKey(Schema.String),
  apiKey: Schema.optionalKey(Schema.String),
  timeouts: Schema.optionalKey(Timeouts),
  /** Whether an upstream's OpenAI-shaped error message reaches clients (redacted). Default true. */
  exposeUpstreamErrors: Schema.optionalKey(Schema.Boolean),
  /** Whether the upstream's `openai-organization` answer header reaches clients. Default false: it names the operator's organization. */
  exposeUpstreamOrganization: Schema.optionalKey(Schema.Boolean),
  limits: Schema.optionalKey(ResponseLimits),
  /** Echo backend: default embedding size. */
  dimensions: Schema.optionalKey(PositiveInt),
  /** Anthropic backend only: version header, default max_tokens, structured output, thinking (see backends/anthropic-config.ts). */
  anthropic: Schema.optionalKey(AnthropicEntryOptions),
  /** Ollama backend only: Modelfile options, keep_alive, think, embeddings truncation (see backends/ollama-config.ts). */
  ollama: Schema.optionalKey(OllamaEntryOptions),
  /** Gemini backend only: API version, schema fields, thinking budgets, the thought-signature store (see backends/gemini-config.ts). */
  gemini: Schema.optionalKey(GeminiEntryOptions),
}

const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** One deployment of a logical model (another key, region or host): any backend field, plus its share of the calls. */
export const DeploymentEntry = Schema.Struct({
  backend: Schema.optionalKey(Backend),
  ...backendFields,
  /** Names it in `x-gateway-attempts` and the rows; defaults to its index (0, 1, …). */
  name: Schema.optionalKey(Schema.String),
  /** Its share under `weighted-random` (default 1). */
  weight: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
})
export type DeploymentEntry = typeof DeploymentEntry.Type

/** How a logical model's calls are retried, spread over its deployments and passed to its fallbacks. */
export const RoutingConfig = Schema.Struct({
  retries: Schema.optionalKey(
    Schema.Struct({
      /** Retries after the first attempt, before the fallbacks (default 2; at most 10). */
      max: Schema.optionalKey(NonNegativeInt.check(Schema.isLessThanOrEqualTo(10))),
      baseDelayMs: Schema.optionalKey(PositiveInt),
      maxDelayMs: Schema.optionalKey(PositiveInt),
      /** The longest upstream retry-after waited for (default 30,000); a longer one ends the retries. */
      maxRetryAfterMs: Schema.optionalKey(NonNegativeInt),
    }),
  ),
  /** Upstream attempts one call may make in all, across deployments, retries and fallbacks (default 3; at most 20). */
  maxAttempts: Schema.optionalKey(PositiveInt.check(Schema.isLessThanOrEqualTo(20))),
  /** How a deployment is picked (default `weighted-random`). */
  strategy: Schema.optionalKey(Schema.Literals(["weighted-random", "least-outstanding"])),
  /** A deployment that keeps failing is skipped for a while (default on: 5 failures in 60 s, 30 s). */
  cooldown: Schema.optionalKey(
    Schema.Struct({
      enabled: Schema.optionalKey(Schema.Boolean),
      failures: Schema.optionalKey(PositiveInt),
      windowMs: Schema.optionalKey(PositiveInt),
      cooldownMs: Schema.optionalKey(PositiveInt),
      /** How many tenants' own cooldowns each deployment keeps at once (default 64; at most 4,096). */
      tenantSlots: Schema.optionalKey(NonNegativeInt.check(Schema.isLessThanOrEqualTo(4_096))),
    }),
  ),
  /** Refusals that also go to the fallbacks (default neither). */
  fallbackOn: Schema.optionalKey(
    Schema.Struct({
      contextLengthExceeded: Schema.optionalKey(Schema.Boolean),
      contentFilter: Schema.optionalKey(Schema.Boolean),
    }),
  ),
})
export type RoutingConfig = typeof RoutingConfig.Type

/** One configured model: `models.<kind>.<logical name>`. */
export const ModelEntry = Schema.Struct({
  backend: Backend,
  ...backendFields,
  /** Other model ids clients may ask for that route to this entry. */
  aliases: Schema.optionalKey(Schema.Array(Schema.String)),
  /**
   * Request fields forwarded to this model beyond the official ones the disposition
   * table passes through: provider extensions (`top_k`, …) and the opt-in official
   * fields `service_tier` and `store`. Any other field is refused with a 400.
   */
  extraFields: Schema.optionalKey(Schema.Array(Schema.String)),
  price: Schema.optionalKey(PriceOverride),
  /**
   * The model's context window in tokens (prompt and output together), as its provider
   * documents it: what Responses `truncation: "auto"` fits a conversation to. Absent, the
   * window is unknown and `auto` drops nothing. Generative models only.
   */
  contextWindow: Schema.optionalKey(PositiveInt),
  /** Several deployments serving this model; each field given overrides the entry's own. Absent: the entry is the one deployment. */
  deployments: Schema.optionalKey(Schema.Array(DeploymentEntry).check(Schema.isMinLength(1))),
  /** Logical models of the same kind tried in order when this one fails retryably (each with its own fallbacks; cycles are cut). */
  fallback: Schema.optionalKey(Schema.Array(Schema.String)),
  routing: Schema.optionalKey(RoutingConfig),
})
export type ModelEntry = typeof ModelEntry.Type

/** `models:` in the config: logical names of each kind and the entry serving each. */
export const ModelsConfig = Schema.Struct({
  generative: Schema.optionalKey(Schema.Record(Schema.String, ModelEntry)),
  embedding: Schema.optionalKey(Schema.Record(Schema.String, ModelEntry)),
})
export type ModelsConfig = typeof ModelsConfig.Type
