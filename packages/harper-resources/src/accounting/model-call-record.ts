import { Schema } from "effect"
import { harper5Columns } from "./harper5-columns.ts"

const Count = Schema.NullOr(Schema.Number)

/** This project's columns (the journal's line format before Harper 5's columns were added). */
export const CallRecordBase = Schema.Struct({
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
  /** Null for an `interrupted` call: the process died before it ended. */
  latencyMs: Count,
  /** Time to the first streamed token, or to the answer for a non-streamed call. */
  ttftMs: Count,
  /** `interrupted`: the call reached a backend and the process died (crash, kill -9) before it ended. */
  outcome: Schema.Literals(["success", "error", "aborted", "rejected", "interrupted"]),
  errorCode: Schema.NullOr(Schema.String),
  /** The HTTP status the client got; null for an `interrupted` call (it got none). */
  status: Count,
})
export type CallRecordBase = typeof CallRecordBase.Type

/** Harper 5's `hdb_model_calls` columns, with Harper 5's names and meanings (see harper5-columns.ts). */
export const Harper5Columns = Schema.Struct({
  app: Schema.NullOr(Schema.String),
  model: Schema.NullOr(Schema.String),
  method: Schema.Literals(["generate", "generateStream", "embed"]),
  prompt_tokens: Count,
  completion_tokens: Count,
  embedding_tokens: Count,
  latency_ms: Count,
  success: Schema.Boolean,
  error_code: Schema.NullOr(Schema.String),
})
export type Harper5Columns = typeof Harper5Columns.Type

/** One row of `hdb_model_calls`: one model call the gateway accepted or refused. */
export const ModelCallRecord = Schema.Struct({ ...CallRecordBase.fields, ...Harper5Columns.fields })
export type ModelCallRecord = typeof ModelCallRecord.Type
export const isModelCallRecord = Schema.is(ModelCallRecord)
const isCallRecordBase = Schema.is(CallRecordBase)

/** A journal line as a row; lines written before Harper 5's columns get them derived (the requested name is the logical one). */
export function fromJournalLine(value: unknown): ModelCallRecord | undefined {
  if (isModelCallRecord(value)) return value
  if (isCallRecordBase(value)) return { ...value, ...harper5Columns(value, value.logicalModel) }
  return undefined
}
