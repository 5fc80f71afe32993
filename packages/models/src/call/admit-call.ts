import { GatewayFailure, type GatewayError } from "@harper-gateway/translate"
import { NO_ADMISSION, type Admission } from "../admission.ts"
import { CallAdmissions } from "./call-admissions.ts"
import { CallFailure } from "./call-failure.ts"
import { lazyEstimate } from "./call-estimate.ts"
import { callRow, newCall, type CallNames, type CallSubject } from "./call-subject.ts"
import type { AnswerHeaders, CallDeps, CallEstimate, CallMeta } from "./call-types.ts"
import { recordRow } from "./record-row.ts"

/** A call its limits let through: who and what it is, its admissions, and their headers for the answer. */
export interface AdmittedCall {
  readonly call: CallSubject
  readonly admissions: CallAdmissions
  readonly headers: AnswerHeaders
}

export interface CallRequest {
  readonly meta: CallMeta
  /** `logical`: the model the request resolved to, whose limits apply. */
  readonly names: CallNames & { readonly logical: string }
  readonly stream: boolean
  /** Counted at most once, and only when a token limit or an abandoned stream's cost needs it. */
  readonly estimate: (limits: NonNullable<CallDeps["options"]["limits"]>) => CallEstimate
}

/**
 * Lets the call through its limits and budgets; a refusal is recorded (its one row) and
 * thrown as a CallFailure carrying the limits' headers.
 */
export async function admitCall(deps: CallDeps, request: CallRequest): Promise<AdmittedCall> {
  const { meta, names, stream } = request
  const limits = deps.options.limits
  if (limits === undefined) return { call: newCall(meta, names, stream), admissions: new CallAdmissions(NO_ADMISSION), headers: {} }
  const estimate = lazyEstimate(() => request.estimate(limits))
  const caller = { tenant: meta.tenant, keyId: meta.keyId ?? null }
  let admission: Admission
  try {
    admission = await limits.limiter.admit(caller, names.logical, estimate.total)
  } catch (error) {
    const reason = GatewayFailure.reasonOf(error)
    if (reason === undefined) throw error
    const headers = await limits.limiter.peekHeaders(caller, names.logical)
    throw refuseCall(deps, newCall(meta, names, stream), { reason, headers })
  }
  // Started after admission: an admitted call's row time is the moment its limits counted it.
  return { call: { ...newCall(meta, names, stream), estimate }, admissions: new CallAdmissions(admission), headers: admission.headers }
}

/** A call refused before any attempt: its one row; returns the failure to throw. */
export function refuseCall(deps: CallDeps, call: CallSubject, refusal: { readonly reason: GatewayError; readonly headers?: AnswerHeaders }): CallFailure {
  recordRow(deps, { subject: callRow(call), outcome: "rejected", error: refusal.reason })
  return new CallFailure(refusal.reason, refusal.headers ?? {})
}

/**
 * Before a call's first attempt on a fallback model: that model's own rules (its
 * model-independent ones counted the call already). A refusal ends the call with its 429.
 */
export async function admitFallback(deps: CallDeps, admitted: AdmittedCall, model: string): Promise<GatewayError | undefined> {
  const limits = deps.options.limits
  const { call, admissions } = admitted
  if (limits === undefined || model === call.logicalModel || admissions.hasFallback(model)) return undefined
  try {
    admissions.addFallback(model, await limits.limiter.admit({ tenant: call.meta.tenant, keyId: call.meta.keyId ?? null }, model, call.estimate.total, true))
    return undefined
  } catch (error) {
    const reason = GatewayFailure.reasonOf(error)
    if (reason === undefined) throw error
    return reason._tag === "RateLimited" ? { ...reason, shouldRetry: false } : reason
  }
}
