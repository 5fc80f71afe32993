import { Schema } from "effect"
import { compiled } from "./compile-schema.ts"
import { Usage } from "./usage.ts"

const OptionalNullableString = Schema.optionalKey(Schema.NullOr(Schema.String))

/**
 * A tool-call fragment as upstreams send it. `index` is required by OpenAI but some
 * compatible servers omit it; `id`, `type` and `name` arrive only on a call's first
 * fragment (Fireworks sends `name: null` on the rest); xAI sends a whole call at once.
 */
export const ToolCallChunk = Schema.Struct({
  index: Schema.optionalKey(Schema.Number),
  id: OptionalNullableString,
  type: OptionalNullableString,
  function: Schema.optionalKey(
    Schema.NullOr(
      Schema.Struct({
        name: OptionalNullableString,
        arguments: OptionalNullableString,
      }),
    ),
  ),
})
export type ToolCallChunk = typeof ToolCallChunk.Type

export const ChunkDelta = Schema.Struct({
  role: OptionalNullableString,
  content: OptionalNullableString,
  refusal: OptionalNullableString,
  /** DeepSeek and xAI stream reasoning here; other compatible servers use `reasoning`. */
  reasoning_content: OptionalNullableString,
  reasoning: OptionalNullableString,
  tool_calls: Schema.optionalKey(Schema.NullOr(Schema.Array(ToolCallChunk))),
})

export const ChunkChoice = Schema.Struct({
  index: Schema.optionalKey(Schema.Number),
  /** Azure's final chunk and some finish chunks carry no delta. */
  delta: Schema.optionalKey(Schema.NullOr(ChunkDelta)),
  finish_reason: OptionalNullableString,
})

/**
 * OpenAI `CreateChatCompletionStreamResponse` as upstreams send it. Extensions such as
 * `obfuscation`, `content_filter_results`, `prompt_filter_results`, `logprobs` and
 * `usage: null` on every chunk are read past. Azure's first chunk has empty `id`/`model`
 * and `created: 0`; xAI omits `finish_reason` until the end.
 */
export const ChatCompletionChunk = compiled(Schema.Struct({
  id: Schema.optionalKey(Schema.String),
  created: Schema.optionalKey(Schema.Number),
  model: Schema.optionalKey(Schema.String),
  choices: Schema.optionalKey(Schema.NullOr(Schema.Array(ChunkChoice))),
  usage: Schema.optionalKey(Schema.NullOr(Usage)),
  system_fingerprint: OptionalNullableString,
  service_tier: OptionalNullableString,
}))
export type ChatCompletionChunk = typeof ChatCompletionChunk.Type

/** A mid-stream error frame: `data: {"error": {...}}`. */
export const StreamErrorFrame = compiled(Schema.Struct({
  error: Schema.Union([
    Schema.String,
    Schema.Struct({
      message: Schema.optionalKey(Schema.NullOr(Schema.String)),
      type: Schema.optionalKey(Schema.NullOr(Schema.String)),
      code: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.String, Schema.Number]))),
      param: Schema.optionalKey(Schema.NullOr(Schema.String)),
    }),
  ]),
}))
export type StreamErrorFrame = typeof StreamErrorFrame.Type
