import { Schema } from "effect"
import type { ModelEntry } from "../model-config.ts"
import { ANTHROPIC_DEFAULTS, createAnthropicBackend } from "./anthropic-backend.ts"
import { createThinkingBlockStore, DEFAULT_THINKING_STORE } from "./thinking-block-store.ts"
import { upstreamOptionsOf } from "./upstream-options.ts"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
/** The API's smallest thinking budget is 1,024 tokens. */
const ThinkingBudget = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1024))

/** `models.<kind>.<name>.anthropic`: what only the Anthropic backend reads (see docs/backends/anthropic.md). */
export const AnthropicEntryOptions = Schema.Struct({
  /** The `anthropic-version` header; default translate's ANTHROPIC_VERSION (2023-06-01). */
  version: Schema.optionalKey(Schema.String),
  /** `max_tokens` when the client sets no limit (the API requires one); default 4096. */
  defaultMaxTokens: Schema.optionalKey(PositiveInt),
  /** Whether the model takes `output_config.format` (native structured output); default false: a forced tool carries the schema. */
  nativeStructuredOutput: Schema.optionalKey(Schema.Boolean),
  /** Thinking budget (tokens) per `reasoning_effort`, replacing the defaults one by one. */
  thinkingBudgets: Schema.optionalKey(
    Schema.Struct({
      minimal: Schema.optionalKey(ThinkingBudget),
      low: Schema.optionalKey(ThinkingBudget),
      medium: Schema.optionalKey(ThinkingBudget),
      high: Schema.optionalKey(ThinkingBudget),
      xhigh: Schema.optionalKey(ThinkingBudget),
      max: Schema.optionalKey(ThinkingBudget),
    }),
  ),
  /** `anthropic-beta` header values (joined with commas); none by default. */
  betas: Schema.optionalKey(Schema.Array(Schema.String)),
  /** The in-memory store of signed thinking for tool-use turns (per process; see thinking-block-store.ts). */
  thinkingStore: Schema.optionalKey(
    Schema.Struct({
      maxEntries: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
      maxChars: Schema.optionalKey(PositiveInt),
      ttlMs: Schema.optionalKey(PositiveInt),
    }),
  ),
})
export type AnthropicEntryOptions = typeof AnthropicEntryOptions.Type

/** The Anthropic backend for one configured model: the entry's values over the defaults. */
export function anthropicBackendOf(entry: ModelEntry) {
  const own = entry.anthropic ?? {}
  return createAnthropicBackend({
    ...upstreamOptionsOf(entry, ANTHROPIC_DEFAULTS.baseUrl),
    version: own.version ?? ANTHROPIC_DEFAULTS.version,
    betas: own.betas ?? [],
    request: {
      defaultMaxTokens: own.defaultMaxTokens ?? ANTHROPIC_DEFAULTS.defaultMaxTokens,
      nativeStructuredOutput: own.nativeStructuredOutput ?? false,
      ...(own.thinkingBudgets === undefined ? {} : { thinkingBudgets: own.thinkingBudgets }),
    },
    thinkingStore: createThinkingBlockStore({
      maxEntries: own.thinkingStore?.maxEntries ?? DEFAULT_THINKING_STORE.maxEntries,
      maxChars: own.thinkingStore?.maxChars ?? DEFAULT_THINKING_STORE.maxChars,
      ttlMs: own.thinkingStore?.ttlMs ?? DEFAULT_THINKING_STORE.ttlMs,
      now: Date.now,
    }),
    now: Date.now,
  })
}
