import { Schema } from "effect"
import { compiled } from "./compile-schema.ts"
import { GroqUsage, Usage } from "./usage.ts"

const OptionalNullableString = Schema.optionalKey(Schema.NullOr(Schema.String))
const Rest = [Schema.Record(Schema.String, Schema.Unknown)] as const

/**
 * Content as upstreams send it: a string, or an array of parts. Mistral's Magistral
 * sends `{"type":"thinking","thinking":[{"type":"text","text":…}]}` and
 * `{"type":"text","text":…}`; parts are narrowed by the mappers (read-content-parts.ts)
 * so an unknown part type is kept, never a decoding failure.
 */
export const UpstreamContent = Schema.Union([Schema.String, Schema.Array(Schema.Record(Schema.String, Schema.Unknown))])
export type UpstreamContent = typeof UpstreamContent.Type

/** Tool arguments: JSON text, as the spec says; some servers send the object itself. */
export const UpstreamArguments = Schema.Union([Schema.String, Schema.Record(Schema.String, Schema.Unknown)])

export const TopLogprob = Schema.Struct({
  token: Schema.String,
  logprob: Schema.Number,
  bytes: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Number))),
})
export const TokenLogprob = Schema.Struct({
  token: Schema.String,
  logprob: Schema.Number,
  bytes: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Number))),
  top_logprobs: Schema.optionalKey(Schema.NullOr(Schema.Array(TopLogprob))),
})
export type TokenLogprob = typeof TokenLogprob.Type

export const ChoiceLogprobs = Schema.Struct({
  content: Schema.optionalKey(Schema.NullOr(Schema.Array(TokenLogprob))),
  refusal: Schema.optionalKey(Schema.NullOr(Schema.Array(TokenLogprob))),
})
export type ChoiceLogprobs = typeof ChoiceLogprobs.Type

export const UrlCitationAnnotation = Schema.Struct({
  type: Schema.Literal("url_citation"),
  url_citation: Schema.Struct({ url: Schema.String, title: Schema.String, start_index: Schema.Number, end_index: Schema.Number }),
})
export type UrlCitationAnnotation = typeof UrlCitationAnnotation.Type

/**
 * Tool call in a completion message. `type` is optional because some upstreams omit
 * it; `id` because some omit that too (a stand-in is given and the repair recorded);
 * `index` appears in DeepSeek's non-streamed answers and is read past.
 */
export const CompletionToolCall = Schema.Struct({
  id: OptionalNullableString,
  type: OptionalNullableString,
  function: Schema.Struct({ name: Schema.String, arguments: Schema.optionalKey(Schema.NullOr(UpstreamArguments)) }),
})
export type CompletionToolCall = typeof CompletionToolCall.Type

export const LegacyFunctionCallOut = Schema.Struct({ name: Schema.String, arguments: Schema.optionalKey(Schema.NullOr(UpstreamArguments)) })

export const CompletionMessage = Schema.Struct({
  role: OptionalNullableString,
  content: Schema.optionalKey(Schema.NullOr(UpstreamContent)),
  refusal: OptionalNullableString,
  /** DeepSeek and xAI put reasoning here; some OpenAI-compatible servers use `reasoning`. */
  reasoning_content: OptionalNullableString,
  reasoning: OptionalNullableString,
  tool_calls: Schema.optionalKey(Schema.NullOr(Schema.Array(CompletionToolCall))),
  /** Deprecated single function call; read as a tool call. */
  function_call: Schema.optionalKey(Schema.NullOr(LegacyFunctionCallOut)),
  annotations: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Unknown))),
})

export const CompletionChoice = Schema.Struct({
  index: Schema.optionalKey(Schema.Number),
  message: CompletionMessage,
  finish_reason: OptionalNullableString,
  logprobs: Schema.optionalKey(Schema.NullOr(ChoiceLogprobs)),
})
export type CompletionChoice = typeof CompletionChoice.Type

/** `created` as upstreams send it: Unix seconds, sometimes as a string. */
export const UpstreamCreated = Schema.Union([Schema.Number, Schema.String])

/** The top-level keys the gateway maps; every other one is an extension, forwarded (see GenerateResult.extensions). */
export const modelledResponseKeys: ReadonlySet<string> = new Set([
  "id",
  "object",
  "created",
  "model",
  "choices",
  "usage",
  "system_fingerprint",
  "service_tier",
  // Per-chunk padding against side channels: meaningless once the gateway re-encodes.
  "obfuscation",
])

/**
 * OpenAI `CreateChatCompletionResponse` as upstreams really send it: lenient where
 * providers differ (missing identity, `created` as a string, content parts, tool calls
 * without ids, object arguments), so every answer a client would accept decodes.
 */
export const ChatCompletion = compiled(
  Schema.StructWithRest(
    Schema.Struct({
      id: OptionalNullableString,
      object: OptionalNullableString,
      created: Schema.optionalKey(Schema.NullOr(UpstreamCreated)),
      model: OptionalNullableString,
      choices: Schema.Array(CompletionChoice),
      usage: Schema.optionalKey(Schema.NullOr(Usage)),
      system_fingerprint: OptionalNullableString,
      service_tier: OptionalNullableString,
      /** Groq: usage (and timings) under `x_groq.usage`, sometimes only there. */
      x_groq: Schema.optionalKey(Schema.NullOr(Schema.StructWithRest(Schema.Struct({ usage: Schema.optionalKey(Schema.NullOr(GroqUsage)) }), Rest))),
    }),
    Rest,
  ),
)
export type ChatCompletion = typeof ChatCompletion.Type
