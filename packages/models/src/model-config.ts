import { Schema } from "effect"
import { AnthropicEntryOptions } from "./backends/anthropic-config.ts"
import { OllamaEntryOptions } from "./backends/ollama-config.ts"

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
  backend: Schema.Literals(["openai", "echo", "anthropic", "ollama"]),
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
  /** Anthropic backend only: version header, default max_tokens, structured output, thinking (see backends/anthropic-config.ts). */
  anthropic: Schema.optionalKey(AnthropicEntryOptions),
  /** Ollama backend only: Modelfile options, keep_alive, think, embeddings truncation (see backends/ollama-config.ts). */
  ollama: Schema.optionalKey(OllamaEntryOptions),
})
export type ModelEntry = typeof ModelEntry.Type

/** `models:` in the config: logical names of each kind and the entry serving each. */
export const ModelsConfig = Schema.Struct({
  generative: Schema.optionalKey(Schema.Record(Schema.String, ModelEntry)),
  embedding: Schema.optionalKey(Schema.Record(Schema.String, ModelEntry)),
})
export type ModelsConfig = typeof ModelsConfig.Type
