import { Schema } from "effect"

const Count = Schema.NullOr(Schema.Number)

/** One row of `hdb_model_calls`: one model call the gateway accepted or refused. */
export const ModelCallRecord = Schema.Struct({
  id: Schema.String,
  /** Epoch milliseconds when the call started. */
  time: Schema.Number,
  tenant: Schema.NullOr(Schema.String),
  user: Schema.NullOr(Schema.String),
  endpoint: Schema.String,
  logicalModel: Schema.NullOr(Schema.String),
  backend: Schema.NullOr(Schema.String),
  upstreamModel: Schema.NullOr(Schema.String),
  stream: Schema.Boolean,
  promptTokens: Count,
  completionTokens: Count,
  totalTokens: Count,
  cachedTokens: Count,
  reasoningTokens: Count,
  /** True when the counts are the gateway's estimate (a stream cut before the upstream reported usage). */
  tokensEstimated: Schema.Boolean,
  latencyMs: Schema.Number,
  /** Time to the first streamed token, or to the answer for a non-streamed call. */
  ttftMs: Count,
  outcome: Schema.Literals(["success", "error", "aborted", "rejected"]),
  errorCode: Schema.NullOr(Schema.String),
  status: Schema.Number,
})
export type ModelCallRecord = typeof ModelCallRecord.Type
export const isModelCallRecord = Schema.is(ModelCallRecord)
