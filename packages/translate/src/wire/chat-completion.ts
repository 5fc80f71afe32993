import { Schema } from "effect"
import { compiled } from "./compile-schema.ts"
import { Usage } from "./usage.ts"

const OptionalNullableString = Schema.optionalKey(Schema.NullOr(Schema.String))

/**
 * Tool call in a completion message. `type` is optional because some upstreams omit
 * it; `index` appears in DeepSeek's non-streamed answers and is read past.
 */
export const CompletionToolCall = Schema.Struct({
  id: Schema.String,
  type: Schema.optionalKey(Schema.String),
  function: Schema.Struct({ name: Schema.String, arguments: Schema.String }),
})

export const CompletionMessage = Schema.Struct({
  role: Schema.optionalKey(Schema.String),
  content: OptionalNullableString,
  refusal: OptionalNullableString,
  /** DeepSeek and xAI put reasoning here; some OpenAI-compatible servers use `reasoning`. */
  reasoning_content: OptionalNullableString,
  reasoning: OptionalNullableString,
  tool_calls: Schema.optionalKey(Schema.NullOr(Schema.Array(CompletionToolCall))),
})

/**
 * OpenAI `CreateChatCompletionResponse` as upstreams really send it: lenient where
 * providers differ, so it decodes every recorded provider answer.
 */
export const ChatCompletion = compiled(Schema.Struct({
  id: Schema.String,
  object: Schema.optionalKey(Schema.String),
  created: Schema.Number,
  model: Schema.String,
  choices: Schema.Array(
    Schema.Struct({
      index: Schema.optionalKey(Schema.Number),
      message: CompletionMessage,
      finish_reason: OptionalNullableString,
    }),
  ),
  usage: Schema.optionalKey(Schema.NullOr(Usage)),
  system_fingerprint: OptionalNullableString,
  service_tier: OptionalNullableString,
}))
export type ChatCompletion = typeof ChatCompletion.Type
