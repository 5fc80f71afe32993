import { Schema } from "effect"
import { compiled } from "./compile-schema.ts"

const MAX_INPUTS = 2048
const NonEmptyText = Schema.String.check(Schema.isMinLength(1))
const TokenId = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const inputs = <S extends Schema.Top>(item: S) => Schema.Array(item).check(Schema.isBetweenLength(1, MAX_INPUTS))

/** OpenAI `CreateEmbeddingRequest`. The spec forbids other keys, and so do we. */
export const EmbeddingsRequest = compiled(
  Schema.Struct({
    model: Schema.String,
    input: Schema.Union([NonEmptyText, inputs(NonEmptyText), inputs(TokenId), inputs(Schema.Array(TokenId).check(Schema.isMinLength(1)))]).annotate({
      expected: `a non-empty string, or an array of 1 to ${MAX_INPUTS} non-empty strings, token ids, or token-id arrays`,
    }),
    encoding_format: Schema.optionalKey(Schema.Literals(["float", "base64"])),
    dimensions: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
    user: Schema.optionalKey(Schema.String),
  }),
)
export type EmbeddingsRequest = typeof EmbeddingsRequest.Type

/** OpenAI `CreateEmbeddingResponse` as upstreams send it (`usage` is optional in some). */
export const EmbeddingsResponse = compiled(
  Schema.Struct({
    object: Schema.optionalKey(Schema.String),
    data: Schema.Array(
      Schema.Struct({
        object: Schema.optionalKey(Schema.String),
        index: Schema.Number,
        embedding: Schema.Union([Schema.Array(Schema.Number), Schema.String]),
      }),
    ),
    model: Schema.optionalKey(Schema.String),
    usage: Schema.optionalKey(
      // Counts read as sent: the usage mapper decides what is one (token-count.ts), so a bad figure never fails the vectors.
      Schema.NullOr(Schema.StructWithRest(Schema.Struct({ prompt_tokens: Schema.optionalKey(Schema.Unknown), total_tokens: Schema.optionalKey(Schema.Unknown) }), [Schema.Record(Schema.String, Schema.Unknown)])),
    ),
  }),
)
export type EmbeddingsResponse = typeof EmbeddingsResponse.Type

/** An embedding already written as JSON (the upstream's own text): `encodeEmbeddingsResponse` copies it, `JSON.stringify` cannot. */
export interface EmbeddingJson {
  readonly json: Uint8Array
}

export interface EmbeddingsResponseOut {
  readonly object: "list"
  readonly data: readonly { readonly object: "embedding"; readonly index: number; readonly embedding: readonly number[] | string | EmbeddingJson }[]
  readonly model: string
  readonly usage: { readonly prompt_tokens: number; readonly total_tokens: number }
}
