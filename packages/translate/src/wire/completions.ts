import { Schema } from "effect"
import { StreamOptions } from "./chat-request.ts"
import { compiled } from "./compile-schema.ts"
import { Usage, type UsageOut } from "./usage.ts"

const Int = Schema.Int
const between = (minimum: number, maximum: number) => Schema.Number.check(Schema.isBetween({ minimum, maximum }))
const nullable = <S extends Schema.Top>(s: S) => Schema.optionalKey(Schema.NullOr(s))
const TokenId = Int.check(Schema.isGreaterThanOrEqualTo(0))
const tokens = Schema.Array(TokenId).check(Schema.isMinLength(1))

/** `prompt` as the spec has it: a string, strings, one token array, or token arrays (null: the spec's default, `<|endoftext|>`). */
export const CompletionPrompt = Schema.Union([Schema.String, Schema.Array(Schema.String), tokens, Schema.Array(tokens).check(Schema.isMinLength(1))]).annotate({
  expected: "a string, an array of strings, an array of token ids, or an array of token-id arrays",
})
export type CompletionPrompt = typeof CompletionPrompt.Type

/**
 * The fields of OpenAI `CreateCompletionRequest` the gateway models (all of them but
 * none: completions/field-dispositions.ts says what each becomes), with the spec's bounds.
 */
export const CompletionRequestFields = {
  model: Schema.String,
  prompt: Schema.NullOr(CompletionPrompt),
  suffix: nullable(Schema.String),
  echo: nullable(Schema.Boolean),
  logprobs: nullable(Int.check(Schema.isBetween({ minimum: 0, maximum: 5 }))),
  best_of: nullable(Int.check(Schema.isBetween({ minimum: 0, maximum: 20 }))),
  n: nullable(Int.check(Schema.isBetween({ minimum: 1, maximum: 128 }))),
  max_tokens: nullable(Int.check(Schema.isGreaterThanOrEqualTo(0))),
  stream: nullable(Schema.Boolean),
  stream_options: nullable(StreamOptions),
  temperature: nullable(between(0, 2)),
  top_p: nullable(between(0, 1)),
  stop: nullable(
    Schema.Union([Schema.String, Schema.Array(Schema.String).check(Schema.isBetweenLength(1, 4))]).annotate({
      expected: "a string or an array of 1 to 4 strings",
    }),
  ),
  presence_penalty: nullable(between(-2, 2)),
  frequency_penalty: nullable(between(-2, 2)),
  seed: nullable(Int),
  logit_bias: nullable(Schema.Record(Schema.String, Schema.Number)),
  user: Schema.optionalKey(Schema.String),
} as const

export const CompletionRequest = compiled(Schema.Struct(CompletionRequestFields))
export type CompletionRequest = typeof CompletionRequest.Type

/** What an OpenAI-compatible upstream is sent (the request's own fields, then its passed-through ones). */
export type CompletionRequestOut = Omit<CompletionRequest, "stream" | "stream_options"> & {
  readonly stream: boolean
  readonly stream_options?: { readonly include_usage: true }
  readonly [extension: string]: unknown
}

/** `choices[].logprobs` as upstreams send it (vLLM and llama.cpp follow OpenAI); null entries are an echoed prompt's first token. */
export const TextLogprobsWire = Schema.Struct({
  tokens: nullable(Schema.Array(Schema.String)),
  token_logprobs: nullable(Schema.Array(Schema.NullOr(Schema.Number))),
  top_logprobs: nullable(Schema.Array(Schema.NullOr(Schema.Record(Schema.String, Schema.Number)))),
  text_offset: nullable(Schema.Array(Schema.Number)),
})
export type TextLogprobsWire = typeof TextLogprobsWire.Type

const TextCompletionChoice = Schema.Struct({
  index: Schema.optionalKey(Schema.Number),
  text: nullable(Schema.String),
  logprobs: nullable(TextLogprobsWire),
  finish_reason: nullable(Schema.String),
})
export type TextCompletionChoice = typeof TextCompletionChoice.Type

/**
 * OpenAI `CreateCompletionResponse` as upstreams send it, answers and stream chunks alike
 * (the spec says they share the shape): identity optional (repaired when missing), other
 * keys read past, usage counts read as sent for the usage mapper to judge.
 */
export const CompletionResponse = compiled(
  Schema.Struct({
    id: nullable(Schema.String),
    created: nullable(Schema.Union([Schema.Number, Schema.String])),
    model: nullable(Schema.String),
    system_fingerprint: nullable(Schema.String),
    choices: Schema.Array(TextCompletionChoice),
    usage: nullable(Usage),
  }),
)
export type CompletionResponse = typeof CompletionResponse.Type

/** `choices[].logprobs` as the gateway sends it: the spec's lists, with no null in them. */
export interface TextLogprobsOut {
  readonly tokens?: readonly string[]
  readonly token_logprobs?: readonly number[]
  readonly top_logprobs?: readonly Readonly<Record<string, number>>[]
  readonly text_offset?: readonly number[]
}

export interface TextCompletionChoiceOut {
  readonly text: string
  readonly index: number
  readonly logprobs: TextLogprobsOut | null
  /** Null on a stream's chunks before the choice ends, as OpenAI's own streaming example sends it. */
  readonly finish_reason: "stop" | "length" | "content_filter" | null
}

/** A completion (or one stream chunk, the same shape) as the gateway sends it. */
export interface CompletionResponseOut {
  readonly id: string
  readonly object: "text_completion"
  readonly created: number
  readonly model: string
  readonly choices: readonly TextCompletionChoiceOut[]
  readonly system_fingerprint?: string
  readonly usage?: UsageOut
}
