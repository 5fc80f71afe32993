import { Schema } from "effect"
import { ChoiceLogprobs, UpstreamArguments, UpstreamContent, UpstreamCreated } from "./chat-completion.ts"
import { compiled } from "./compile-schema.ts"
import { GroqUsage, Usage } from "./usage.ts"

const OptionalNullableString = Schema.optionalKey(Schema.NullOr(Schema.String))
const Rest = [Schema.Record(Schema.String, Schema.Unknown)] as const

/**
 * A tool-call fragment as upstreams send it. `index` is required by OpenAI but some
 * compatible servers omit it; `id`, `type` and `name` arrive only on a call's first
 * fragment (Fireworks sends `name: null` on the rest, some servers `id: ""` first and
 * the real id later); xAI sends a whole call at once. The one accumulation rule is in
 * tool-call-accumulator.ts.
 */
export const ToolCallChunk = Schema.Struct({
  index: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  id: OptionalNullableString,
  type: OptionalNullableString,
  function: Schema.optionalKey(
    Schema.NullOr(
      Schema.Struct({
        name: OptionalNullableString,
        arguments: Schema.optionalKey(Schema.NullOr(UpstreamArguments)),
      }),
    ),
  ),
})
export type ToolCallChunk = typeof ToolCallChunk.Type

export const ChunkDelta = Schema.Struct({
  role: OptionalNullableString,
  /** A string, or (Magistral) an array of `text` / `thinking` parts. */
  content: Schema.optionalKey(Schema.NullOr(UpstreamContent)),
  refusal: OptionalNullableString,
  /** DeepSeek and xAI stream reasoning here; other compatible servers use `reasoning`. */
  reasoning_content: OptionalNullableString,
  reasoning: OptionalNullableString,
  tool_calls: Schema.optionalKey(Schema.NullOr(Schema.Array(ToolCallChunk))),
  /** Deprecated legacy streaming of one function call: read as tool call 0. */
  function_call: Schema.optionalKey(Schema.NullOr(Schema.Struct({ name: OptionalNullableString, arguments: Schema.optionalKey(Schema.NullOr(UpstreamArguments)) }))),
  annotations: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Unknown))),
})
export type ChunkDelta = typeof ChunkDelta.Type

export const ChunkChoice = Schema.Struct({
  index: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  /** Azure's final chunk and some finish chunks carry no delta. */
  delta: Schema.optionalKey(Schema.NullOr(ChunkDelta)),
  finish_reason: OptionalNullableString,
  logprobs: Schema.optionalKey(Schema.NullOr(ChoiceLogprobs)),
})
export type ChunkChoice = typeof ChunkChoice.Type

/**
 * OpenAI `CreateChatCompletionStreamResponse` as upstreams send it. Azure's first chunk
 * has empty `id`/`model` and `created: 0`; xAI omits `finish_reason` until the end;
 * some servers send chunks without `choices`, `created` as a string, or usage only
 * under Groq's `x_groq.usage`. Unknown top-level keys are kept (extensions).
 */
export const ChatCompletionChunk = compiled(
  Schema.StructWithRest(
    Schema.Struct({
      id: OptionalNullableString,
      created: Schema.optionalKey(Schema.NullOr(UpstreamCreated)),
      model: OptionalNullableString,
      choices: Schema.optionalKey(Schema.NullOr(Schema.Array(ChunkChoice))),
      usage: Schema.optionalKey(Schema.NullOr(Usage)),
      system_fingerprint: OptionalNullableString,
      service_tier: OptionalNullableString,
      x_groq: Schema.optionalKey(Schema.NullOr(Schema.StructWithRest(Schema.Struct({ usage: Schema.optionalKey(Schema.NullOr(GroqUsage)) }), Rest))),
    }),
    Rest,
  ),
)
export type ChatCompletionChunk = typeof ChatCompletionChunk.Type

/** A mid-stream error frame: `data: {"error": {...}}`. */
export const StreamErrorFrame = compiled(
  Schema.Struct({
    error: Schema.Union([
      Schema.String,
      Schema.Struct({
        message: Schema.optionalKey(Schema.NullOr(Schema.String)),
        type: Schema.optionalKey(Schema.NullOr(Schema.String)),
        code: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.String, Schema.Number]))),
        param: Schema.optionalKey(Schema.NullOr(Schema.String)),
      }),
    ]),
  }),
)
export type StreamErrorFrame = typeof StreamErrorFrame.Type
