/**
 * Responses objects and stream events as an upstream sends them (read tolerantly: OpenAI
 * and Azure add fields, some recordings lack `sequence_number`, the `error` event nests
 * its error). Only what the gateway reads is typed; every other key is kept.
 */
import { Schema } from "effect"
import { compiled } from "./compile-schema.ts"

const Rest = [Schema.Record(Schema.String, Schema.Unknown)] as const
const OptionalNullableString = Schema.optionalKey(Schema.NullOr(Schema.String))

export const OutputItemIn = Schema.StructWithRest(Schema.Struct({ type: Schema.String, id: OptionalNullableString }), Rest)
export type OutputItemIn = typeof OutputItemIn.Type

export const ResponseObjectIn = Schema.StructWithRest(
  Schema.Struct({
    id: Schema.String,
    object: Schema.optionalKey(Schema.Literal("response")),
    created_at: Schema.optionalKey(Schema.Number),
    status: OptionalNullableString,
    model: OptionalNullableString,
    output: Schema.Array(OutputItemIn),
    usage: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
    incomplete_details: Schema.optionalKey(Schema.NullOr(Schema.Struct({ reason: OptionalNullableString }))),
    error: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  }),
  Rest,
)
export type ResponseObjectIn = typeof ResponseObjectIn.Type

/** One stream event: its `type`, and the fields the fold reads, each optional (which ones an event has depends on its type). */
export const ResponseEventIn = compiled(
  Schema.StructWithRest(
    Schema.Struct({
      type: Schema.String,
      sequence_number: Schema.optionalKey(Schema.Number),
      response: Schema.optionalKey(ResponseObjectIn),
      output_index: Schema.optionalKey(Schema.Number),
      content_index: Schema.optionalKey(Schema.Number),
      summary_index: Schema.optionalKey(Schema.Number),
      item_id: Schema.optionalKey(Schema.String),
      item: Schema.optionalKey(OutputItemIn),
      part: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
      delta: Schema.optionalKey(Schema.String),
    }),
    Rest,
  ),
)
export type ResponseEventIn = typeof ResponseEventIn.Type
