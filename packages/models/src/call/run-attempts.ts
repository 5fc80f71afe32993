import type { ModelRoute } from "../backend-registry.ts"
import { UpstreamAnswerFailure } from "../backends/upstream-answer-failure.ts"
import { withUpstreamHeaders, type UpstreamHeaders } from "../backends/upstream-headers.ts"
import { settledUsage } from "../accounting/settled-usage.ts"
import { attemptBudget } from "../routing/attempt-budget.ts"
import { ATTEMPTS_HEADER, attemptsHeader, type AttemptReport } from "../routing/attempts-header.ts"
import { routeCall, type Attempt, type AttemptOutcome } from "../routing/route-call.ts"
import type { AdmittedCall } from "./admit-call.ts"
import { admitFallback } from "./admit-call.ts"
import { CallFailure } from "./call-failure.ts"
import { answeringRoute, type ChainLink } from "./call-chain.ts"
import { attemptRow, callRow, type RowSubject } from "./call-subject.ts"
import type { AnswerHeaders, CallDeps } from "./call-types.ts"
import { failureDetail, reasonOf } from "./failure-of.ts"
import { recordRow, recordStart } from "./record-row.ts"

/** One attempt's answer: what `open` returned, the attempt's row subject and the route that answered. */
export interface AttemptAnswer<B, V> {
  readonly value: V
  readonly subject: RowSubject
  readonly route: ModelRoute<B>
}

export interface AttemptPlan<B, V> {
  readonly admitted: AdmittedCall
  readonly chain: readonly ChainLink<B>[]
  /** One attempt up to the point where the answer is committed to the client: the whole answer, or a stream's first chunk. */
  readonly open: (attempt: Attempt<B, ChainLink<B>>) => Promise<V>
  /** Records the answer's row (a stream's is written when it ends, by its reader). */
  readonly answered?: (answer: AttemptAnswer<B, V>) => void
}

export interface Answered<B, V> extends AttemptAnswer<B, V> {
  /** The limits' and the attempts' headers. */
  readonly headers: AnswerHeaders
  /** When the answer is over (a stream's end): the deployment's outstanding count. */
  readonly release: () => void
}

/**
 * Runs a call's attempts over its chain (routing/route-call.ts), each attempt journalled
 * before its backend is called and its row written when it ends. A call that got no
 * answer throws a CallFailure with its headers (and the kept upstream headers of its last
 * attempt's error answer). The admissions are settled by the caller.
 */
export async function runAttempts<B extends { readonly name: string }, V>(deps: CallDeps, plan: AttemptPlan<B, V>): Promise<Answered<B, V>> {
  const { admitted, chain } = plan
  const { call } = admitted
  let attempts: string | undefined
  let lastDetail: string | undefined
  let lastUpstream: UpstreamHeaders | undefined
  const headers = (): AnswerHeaders => (attempts === undefined ? admitted.headers : { ...admitted.headers, [ATTEMPTS_HEADER]: attempts })
  const outcome = await routeCall<B, AttemptAnswer<B, V>, ChainLink<B>>(
    chain,
    async (attempt) => {
      const tried = await tryAttempt(deps, { plan, attempt })
      // A failure's detail (kept for the call's failure); a fallback refusal has none and keeps the last one.
      if (tried.detail !== undefined) lastDetail = tried.detail ?? undefined
      // The error the client gets is the last attempt's: so are the upstream's headers it carries.
      lastUpstream = tried.upstreamHeaders
      return tried.outcome
    },
    {
      clock: deps.clock,
      signal: call.meta.signal,
      // The requested model's budget covers its fallbacks too.
      maxAttempts: attemptBudget(chain[0]?.maxAttempts ?? 1, call.meta.clientRetries ?? 0),
      tenant: call.meta.tenant,
      onReport: (reports: readonly AttemptReport[]) => {
        attempts = attemptsHeader(reports)
      },
    },
  )
  if (outcome.ok) return { ...outcome.value, headers: headers(), release: outcome.release }
  // Nothing was tried (a chain without deployments): the call still has its row.
  if (outcome.attempts === 0) recordRow(deps, { subject: callRow(call), outcome: "error", error: outcome.reason }, admitted.admissions)
  throw new CallFailure(outcome.reason, withUpstreamHeaders(headers(), lastUpstream), outcome.attempts === 0 ? undefined : lastDetail)
}

interface Tried<B, V> {
  readonly outcome: AttemptOutcome<AttemptAnswer<B, V>>
  /** The operator's account of a failed attempt (null: none). */
  readonly detail?: string | null
  /** A failed attempt's upstream headers, when its upstream answered (e.g. a 429's x-ratelimit-*). */
  readonly upstreamHeaders?: UpstreamHeaders
}

/** One attempt: the fallback model's own limits, the started line, the backend, and the row of a failure. */
async function tryAttempt<B extends { readonly name: string }, V>(deps: CallDeps, input: { readonly plan: AttemptPlan<B, V>; readonly attempt: Attempt<B, ChainLink<B>> }): Promise<Tried<B, V>> {
  const { plan, attempt } = input
  const { admissions, call } = plan.admitted
  const subject = attemptRow(call, attempt)
  const route = answeringRoute(attempt)
  const refused = await admitFallback(deps, plan.admitted, attempt.model.logicalName)
  if (refused !== undefined) {
    const record = (last: boolean) => recordRow(deps, { subject, outcome: "rejected", error: refused, lastAttempt: last }, admissions)
    return { outcome: { ok: false, reason: refused, record } }
  }
  // A journal that cannot write the started line fails the attempt before any upstream saw it.
  await recordStart(deps, subject, route)
  try {
    const value = await plan.open(attempt)
    const answer = { value, subject, route }
    plan.answered?.(answer)
    return { outcome: { ok: true, value: answer } }
  } catch (error) {
    const reason = reasonOf(error, call.meta.signal)
    const errorDetail = failureDetail(deps, { error, reason, subject })
    if (reason._tag === "Cancelled") {
      // The client left before any answer: the upstream had the prompt, so it is billed at least at its estimate.
      const { usage, estimated } = settledUsage(undefined, { prompt: call.estimate.prompt, completion: () => 0 })
      const record = (last: boolean) => recordRow(deps, { subject, route, outcome: "aborted", usage, estimated, error: reason, facts: { errorDetail }, lastAttempt: last }, admissions)
      return { outcome: { ok: false, reason, record }, detail: errorDetail }
    }
    // An upstream that refused or failed bills nothing for the attempt.
    const record = (last: boolean) => recordRow(deps, { subject, route, outcome: "error", error: reason, facts: { errorDetail }, lastAttempt: last }, admissions)
    const upstreamHeaders = UpstreamAnswerFailure.headersOf(error)
    return { outcome: { ok: false, reason, record }, detail: errorDetail, ...(upstreamHeaders === undefined ? {} : { upstreamHeaders }) }
  }
}
