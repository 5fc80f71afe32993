import { GEMINI_SKIP_SIGNATURE_VALIDATOR, type GeminiRequestOptions } from "@harper-gateway/translate"
import { Schema } from "effect"
import type { ModelEntry } from "../model-config.ts"
import type { EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import { createGeminiBackend, GEMINI_DEFAULT_API_VERSION, GEMINI_DEFAULT_BASE_URL } from "./gemini-backend.ts"
import { createThoughtSignatureStore, DEFAULT_THOUGHT_SIGNATURE_BOUNDS } from "./thought-signature-store.ts"
import { upstreamOptionsOf } from "./upstream-options.ts"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const Budget = Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))

/** `models.<kind>.<name>.gemini`: what only the Gemini backend reads (see docs/backends/gemini.md). */
export const GeminiEntryOptions = Schema.Struct({
  /** The API version in the path. Default `v1beta`. */
  apiVersion: Schema.optionalKey(Schema.String),
  /** Send schemas as parametersJsonSchema / responseJsonSchema (full JSON Schema) instead of Gemini's OpenAPI subset. Default false. */
  jsonSchemaFields: Schema.optionalKey(Schema.Boolean),
  /** thinkingBudget tokens per reasoning_effort. */
  thinkingBudgets: Schema.optionalKey(Schema.Struct({ minimal: Budget, low: Budget, medium: Budget, high: Budget, xhigh: Budget, max: Budget })),
  /** Sign a replayed tool-call turn whose signature this node does not hold with Google's documented sentinel. Default true. */
  signUnknownToolCalls: Schema.optionalKey(Schema.Boolean),
  /** Bounds of the per-node thought-signature store. */
  thoughtSignatures: Schema.optionalKey(Schema.Struct({ maxEntries: Schema.optionalKey(PositiveInt), maxChars: Schema.optionalKey(PositiveInt), ttlMs: Schema.optionalKey(PositiveInt) })),
})
export type GeminiEntryOptions = typeof GeminiEntryOptions.Type

/** A `backend: gemini` config entry (or deployment) as a backend, defaults filled in (docs/backends/gemini.md). */
export function geminiBackendOf(entry: ModelEntry): GenerativeBackend & EmbeddingBackend {
  const gemini = entry.gemini ?? {}
  const bounds = gemini.thoughtSignatures ?? {}
  const request: GeminiRequestOptions = {
    ...(gemini.jsonSchemaFields === undefined ? {} : { jsonSchemaFields: gemini.jsonSchemaFields }),
    ...(gemini.thinkingBudgets === undefined ? {} : { thinkingBudgets: gemini.thinkingBudgets }),
    // Google documents the sentinel for histories whose signatures were lost: better a turn Gemini accepts than a 400.
    ...(gemini.signUnknownToolCalls === false ? {} : { unsignedToolCallSignature: GEMINI_SKIP_SIGNATURE_VALIDATOR }),
  }
  return createGeminiBackend({
    ...upstreamOptionsOf(entry, GEMINI_DEFAULT_BASE_URL),
    apiVersion: gemini.apiVersion ?? GEMINI_DEFAULT_API_VERSION,
    request,
    signatures: createThoughtSignatureStore({
      maxEntries: bounds.maxEntries ?? DEFAULT_THOUGHT_SIGNATURE_BOUNDS.maxEntries,
      maxChars: bounds.maxChars ?? DEFAULT_THOUGHT_SIGNATURE_BOUNDS.maxChars,
      ttlMs: bounds.ttlMs ?? DEFAULT_THOUGHT_SIGNATURE_BOUNDS.ttlMs,
    }),
  })
}
