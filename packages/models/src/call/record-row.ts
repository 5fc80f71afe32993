import type { TokenUsage } from "@harper-gateway/translate"
import type { CallAdmissions } from "./call-admissions.ts"
import { callRecord, type RowInput, type RowRoute } from "./call-row.ts"
import type { RowSubject } from "./call-subject.ts"
import type { CallDeps } from "./call-types.ts"

/** Writes a finished attempt's (or refused call's) row, and adds what it used to its call's admissions. */
export function recordRow(deps: CallDeps, row: RowInput, admissions?: CallAdmissions): void {
  const record = callRecord(row, deps.options.price)
  deps.recorder.record(record)
  // Estimated usage settles like reported usage: a call without usage is not free.
  const tokens = row.usage === undefined ? undefined : (record.totalTokens ?? undefined)
  admissions?.spend(row.subject.logicalModel, tokens, record.cost_usd ?? null)
}

/** Journalled before the backend is called: a crash before the call ends leaves it as an `interrupted` row. */
export async function recordStart(deps: CallDeps, subject: RowSubject, route: RowRoute): Promise<void> {
  const usage = startEstimate(deps, subject)
  await deps.recorder.started(callRecord({ subject, route, outcome: "interrupted", usage, estimated: usage !== undefined }, deps.options.price))
}

/** The call's estimate before it runs (prompt and the completion it may ask for), for its started line; none without limits. */
function startEstimate(deps: CallDeps, subject: RowSubject): TokenUsage | undefined {
  if (deps.options.limits === undefined) return undefined
  const promptTokens = subject.call.estimate.prompt()
  const completionTokens = subject.call.estimate.interruptedCompletion()
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
}
