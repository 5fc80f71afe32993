import { Schema } from "effect"

/**
 * Ollama native API wire shapes (`/api/chat`, `/api/embed`; docs/api.md of
 * github.com/ollama/ollama). Requests are what the gateway writes; responses are read
 * with tolerant schemas (unknown keys kept).
 */

export interface OllamaToolCall {
  readonly function: { readonly name: string; readonly arguments: Readonly<Record<string, unknown>> }
}

export type OllamaMessage =
  | { readonly role: "system"; readonly content: string }
  | { readonly role: "user"; readonly content: string; readonly images?: readonly string[] }
  | { readonly role: "assistant"; readonly content: string; readonly thinking?: string; readonly tool_calls?: readonly OllamaToolCall[] }
  | { readonly role: "tool"; readonly content: string; readonly tool_name?: string }

export interface OllamaChatRequest {
  readonly model: string
  readonly messages: readonly OllamaMessage[]
  readonly stream: boolean
  readonly tools?: readonly { readonly type: "function"; readonly function: { readonly name: string; readonly description?: string; readonly parameters: Readonly<Record<string, unknown>> } }[]
  /** `"json"`, or a JSON schema the answer must follow. */
  readonly format?: "json" | Readonly<Record<string, unknown>>
  readonly think?: boolean | "low" | "medium" | "high"
  readonly keep_alive?: string | number
  /** Modelfile parameters: num_ctx, temperature, top_p, top_k, num_predict, stop, seed, … */
  readonly options?: Readonly<Record<string, unknown>>
}

export interface OllamaEmbedRequest {
  readonly model: string
  readonly input: string | readonly string[]
  readonly dimensions?: number
  readonly truncate?: boolean
  readonly keep_alive?: string | number
  readonly options?: Readonly<Record<string, unknown>>
}

const OptionalNullableString = Schema.optionalKey(Schema.NullOr(Schema.String))
const OptionalNullableNumber = Schema.optionalKey(Schema.NullOr(Schema.Number))
/** Counts read as sent: the usage mapper decides what is one (token-count.ts), so a bad figure never fails the answer it came with. */
const UsageFigure = Schema.optionalKey(Schema.Unknown)
const Rest = [Schema.Record(Schema.String, Schema.Unknown)] as const

export const OllamaToolCallIn = Schema.StructWithRest(
  Schema.Struct({
    id: OptionalNullableString,
    function: Schema.StructWithRest(
      Schema.Struct({
        name: Schema.String,
        /** An object, as documented; some builds send the JSON text. */
        arguments: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.Record(Schema.String, Schema.Unknown), Schema.String]))),
      }),
      Rest,
    ),
  }),
  Rest,
)

/** One `/api/chat` answer, or one NDJSON line of its stream (the last has `done: true` and the counts). */
export const OllamaChatResponse = Schema.StructWithRest(
  Schema.Struct({
    model: OptionalNullableString,
    created_at: OptionalNullableString,
    message: Schema.optionalKey(
      Schema.NullOr(
        Schema.StructWithRest(
          Schema.Struct({
            role: OptionalNullableString,
            content: OptionalNullableString,
            thinking: OptionalNullableString,
            tool_calls: Schema.optionalKey(Schema.NullOr(Schema.Array(OllamaToolCallIn))),
          }),
          Rest,
        ),
      ),
    ),
    done: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
    done_reason: OptionalNullableString,
    total_duration: OptionalNullableNumber,
    load_duration: OptionalNullableNumber,
    prompt_eval_count: UsageFigure,
    prompt_eval_duration: OptionalNullableNumber,
    eval_count: UsageFigure,
    eval_duration: OptionalNullableNumber,
  }),
  Rest,
)
export type OllamaChatResponse = typeof OllamaChatResponse.Type

export const OllamaErrorLine = Schema.Struct({ error: Schema.String })

export const OllamaEmbedResponse = Schema.StructWithRest(
  Schema.Struct({
    model: OptionalNullableString,
    embeddings: Schema.Array(Schema.Array(Schema.Number)),
    prompt_eval_count: UsageFigure,
    total_duration: OptionalNullableNumber,
    load_duration: OptionalNullableNumber,
  }),
  Rest,
)
