import { Schema } from "effect"

/** OpenAI `ErrorResponse`: what every non-2xx answer of the gateway carries. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    message: Schema.String,
    type: Schema.String,
    code: Schema.NullOr(Schema.String),
    param: Schema.NullOr(Schema.String),
  }),
})
export type ErrorBody = typeof ErrorBody.Type
