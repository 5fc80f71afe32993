import { describeThrown, GatewayFailure, type GatewayError } from "@harper-gateway/translate"
import type { RowSubject } from "./call-subject.ts"
import type { CallDeps } from "./call-types.ts"

/** What a thrown value means for the call: the client leaving is a cancellation, whatever the backend threw. */
export function reasonOf(error: unknown, signal: AbortSignal): GatewayError {
  return signal.aborted ? { _tag: "Cancelled" } : (GatewayFailure.reasonOf(error) ?? { _tag: "Internal", detail: describeThrown(error, { stack: true }) })
}

/** The operator's account of a failure (an upstream's error body, an internal stack): logged, and kept on the row. */
export function failureDetail(deps: CallDeps, failure: { readonly error: unknown; readonly reason: GatewayError; readonly subject: RowSubject }): string | null {
  const { error, reason, subject } = failure
  const detail = GatewayFailure.detailOf(error) ?? ("detail" in reason ? reason.detail : undefined) ?? null
  if (detail !== null) deps.options.onFailureDetail?.(`gateway ${subject.call.meta.endpoint} ${subject.logicalModel ?? ""} failed (${reason._tag}): ${detail}`)
  return detail
}
