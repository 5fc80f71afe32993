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

/** What a call's answer said beside the unified fields, kept whole for accounting and for the operator. */
export const CallFacts = Schema.Struct({
  /** The finish reason the client got (choice 0), and the upstream's own word for it. */
  finishReason: Schema.NullOr(Schema.String),
  rawFinishReason: Schema.NullOr(Schema.String),
  /** What the gateway repaired in the upstream's answer (a missing id, a finish reason, …); null when nothing. */
  repaired: Schema.NullOr(Schema.Array(Schema.String)),
  /** The upstream's usage object exactly as it sent it. */
  usageRaw: Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)),
  /** For the operator only: an upstream's error body (credentials removed) or the internal failure. Never sent to a client. */
  errorDetail: Schema.NullOr(Schema.String),
})
export type CallFacts = typeof CallFacts.Type
export const NO_FACTS: CallFacts = { finishReason: null, rawFinishReason: null, repaired: null, usageRaw: null, errorDetail: null }

/** Who paid and what it cost (absent on journal lines written before limits existed). */
export const CostColumns = Schema.Struct({
  /** The gateway key's id when the call came with one. */
  keyId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** USD from the usage the backend reported (or the gateway's estimate, then `costEstimated`); null when no price is known. */
  cost_usd: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  costEstimated: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
})
export type CostColumns = typeof CostColumns.Type

/**
 * Which call an attempt belongs to (absent on journal lines written before routing: one
 * attempt, the call itself). A call retried or passed to a fallback has one row per
 * attempt, each with its own id, usage and cost, all with the call's `callId`.
 */
export const AttemptColumns = Schema.Struct({
  callId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** 1, 2, … in the order tried. */
  attempt: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  /** True on the call's last attempt: the one whose outcome the client got. */
  lastAttempt: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  /** The deployment of the logical model that served the attempt (its config name or index). */
  deployment: Schema.optionalKey(Schema.NullOr(Schema.String)),
})
export type AttemptColumns = typeof AttemptColumns.Type

/** One row of `hdb_model_calls`: one attempt of a model call the gateway accepted, or a call it refused. */
export const ModelCallRecord = Schema.Struct({ ...CallRecordBase.fields, ...Harper5Columns.fields, ...CallFacts.fields, ...CostColumns.fields, ...AttemptColumns.fields })
export type ModelCallRecord = typeof ModelCallRecord.Type
export const isModelCallRecord = Schema.is(ModelCallRecord)
const isCallRecordBase = Schema.is(CallRecordBase)

/**
 * A journal line as a row; lines written before Harper 5's columns get them derived (the
 * requested name is the logical one), and lines written before the call facts get nulls.
 */
export function fromJournalLine(value: unknown): ModelCallRecord | undefined {
  if (isModelCallRecord(value)) return value
  if (isCallRecordBase(value)) return { ...NO_FACTS, ...factsOf(value), ...value, ...harper5Columns(value, value.logicalModel) }
  return undefined
}

const isCallFactsPart = Schema.is(Schema.Struct({ ...CallFacts.fields }))
/** The facts of a journal line that has them (lines written before these columns have none). */
function factsOf(value: object): Partial<CallFacts> {
  return isCallFactsPart(value) ? value : {}
}
