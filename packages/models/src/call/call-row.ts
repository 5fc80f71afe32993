import { toOpenAIError, tokenTotal, type GatewayError, type TokenUsage } from "@harper-gateway/translate"
import { harper5Columns } from "../accounting/harper5-columns.ts"
import { NO_FACTS, type CallFacts, type CallRecordBase, type ModelCallRecord } from "../accounting/model-call-record.ts"
import { rowName } from "../accounting/row-name.ts"
import type { RowSubject } from "./call-subject.ts"
import type { PriceOf } from "./call-types.ts"

/** Which backend and upstream model a row's attempt went to. */
export interface RowRoute {
  readonly backend: { readonly name: string }
  readonly upstreamModel: string
}

/** Everything one accounting row says, by name. */
export interface RowInput {
  readonly subject: RowSubject
  readonly outcome: ModelCallRecord["outcome"]
  /** Absent for a call that reached no backend. */
  readonly route?: RowRoute
  readonly usage?: TokenUsage | undefined
  /** The counts (and so the cost) are the gateway's estimate. */
  readonly estimated?: boolean
  readonly ttftMs?: number | null
  readonly error?: GatewayError
  readonly facts?: Partial<CallFacts>
  /** False for an attempt another one followed. */
  readonly lastAttempt?: boolean
}

/** One row of `hdb_model_calls`: this project's columns, Harper 5's, the answer's facts, cost and attempt. */
export function callRecord(input: RowInput, price: PriceOf | undefined): ModelCallRecord {
  const { subject, route, outcome, usage, error } = input
  const estimated = input.estimated ?? false
  const response = error === undefined ? undefined : toOpenAIError(error)
  const base: CallRecordBase = {
    id: subject.id,
    time: subject.time,
    tenant: subject.call.meta.tenant,
    user: subject.call.meta.user,
    endpoint: subject.call.meta.endpoint,
    logicalModel: rowName(subject.logicalModel),
    backend: route?.backend.name ?? null,
    upstreamModel: route?.upstreamModel ?? null,
    stream: subject.call.stream,
    promptTokens: usage?.promptTokens ?? usage?.embeddingTokens ?? null,
    completionTokens: usage?.completionTokens ?? null,
    totalTokens: usage?.totalTokens ?? (usage?.promptTokens !== undefined ? tokenTotal([usage.promptTokens, usage.completionTokens ?? 0]).total : null),
    cachedTokens: usage?.cachedTokens ?? null,
    reasoningTokens: usage?.reasoningTokens ?? null,
    tokensEstimated: estimated,
    latencyMs: outcome === "interrupted" ? null : Math.round((performance.now() - subject.t0) * 1000) / 1000,
    ttftMs: input.ttftMs ?? null,
    outcome,
    errorCode: error === undefined ? null : (response?.body.error.code ?? error._tag),
    status: outcome === "interrupted" ? null : (response?.status ?? 200),
  }
  // An interrupted (started) row carries the call's estimate: a crash bills at least that.
  const cost = outcome === "rejected" || usage === undefined || route === undefined ? null : costOf(subject, { route, usage, estimated }, price)
  return {
    ...base,
    ...harper5Columns(base, rowName(subject.call.requestedModel)),
    ...NO_FACTS,
    usageRaw: usage?.raw ?? null,
    ...input.facts,
    keyId: subject.call.meta.keyId ?? null,
    cost_usd: cost,
    costEstimated: cost === null ? null : estimated,
    callId: subject.call.callId,
    attempt: subject.attempt,
    lastAttempt: input.lastAttempt ?? true,
    deployment: subject.deployment,
  }
}

function costOf(subject: RowSubject, billed: { readonly route: RowRoute; readonly usage: TokenUsage; readonly estimated: boolean }, price: PriceOf | undefined): number | null {
  const { usage } = billed
  const tokens = {
    promptTokens: usage.promptTokens ?? usage.embeddingTokens ?? (billed.estimated ? subject.call.estimate.prompt() : 0),
    completionTokens: usage.completionTokens ?? 0,
    cachedTokens: usage.cachedTokens ?? 0,
    cacheWriteTokens: usage.cacheWriteTokens ?? 0,
    cacheWrite1hTokens: usage.cacheWrite1hTokens ?? 0,
    reasoningTokens: usage.reasoningTokens ?? 0,
  }
  return price?.(subject.logicalModel, billed.route.upstreamModel, tokens, new Date(subject.time)) ?? null
}
