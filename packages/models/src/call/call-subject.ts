import { randomUUID } from "node:crypto"
import type { Attempt, RoutedModel } from "../routing/route-call.ts"
import { NO_ESTIMATE, type LazyEstimate } from "./call-estimate.ts"
import type { CallMeta } from "./call-types.ts"

/** A call as its rows name it; fixed for its whole life. */
export interface CallSubject {
  readonly meta: CallMeta
  /** The name the caller passed (Harper 5's `model`). */
  readonly requestedModel: string | null
  /** The configured model it resolved to (null when it resolved to none). */
  readonly logicalModel: string | null
  readonly stream: boolean
  /** Shared by all the call's attempts' rows. */
  readonly callId: string
  readonly estimate: LazyEstimate
  /** When the call started (for an admitted call: when its limits counted it); its own row's time and clock. */
  readonly time: number
  readonly t0: number
}

/** What one row is about: the call itself (refused before any attempt) or one of its attempts. */
export interface RowSubject {
  readonly call: CallSubject
  readonly id: string
  /** Epoch milliseconds: when the call (or attempt) started. */
  readonly time: number
  /** performance.now() at the same moment, for its latency. */
  readonly t0: number
  readonly logicalModel: string | null
  readonly attempt: number | null
  readonly deployment: string | null
}

export interface CallNames {
  readonly requested: string | null
  readonly logical: string | null
}

export function newCall(meta: CallMeta, names: CallNames, stream: boolean): CallSubject {
  return { meta, requestedModel: names.requested, logicalModel: names.logical, stream, callId: randomUUID(), estimate: NO_ESTIMATE, time: Date.now(), t0: performance.now() }
}

/** The call's own row (a refusal, or a chain with nothing to try): the call's id, no attempt. */
export function callRow(call: CallSubject): RowSubject {
  return { call, id: call.callId, time: call.time, t0: call.t0, logicalModel: call.logicalModel, attempt: null, deployment: null }
}

/** One attempt's row: its own id, time and clock, its model and deployment. */
export function attemptRow<B>(call: CallSubject, attempt: Attempt<B, RoutedModel<B>>): RowSubject {
  return {
    call,
    id: randomUUID(),
    time: Date.now(),
    t0: performance.now(),
    logicalModel: attempt.model.logicalName,
    attempt: attempt.number,
    deployment: attempt.deployment.label,
  }
}
