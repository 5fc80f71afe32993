import type { EmbedResult, GenerateResult } from "@harper-gateway/translate"
import { charOutputCounter, countAnswer, type OutputCounter } from "../accounting/output-counter.ts"
import { settledEmbedUsage, settledUsage } from "../accounting/settled-usage.ts"
import type { CallAdmissions } from "./call-admissions.ts"
import { answerFacts } from "./answer-facts.ts"
import type { CallDeps } from "./call-types.ts"
import { recordRow } from "./record-row.ts"
import type { AttemptAnswer } from "./run-attempts.ts"

/** Counts a call's output when the upstream reported no usage (the limits' counter, else 4 characters a token). */
export function newOutputCounter(deps: CallDeps): OutputCounter {
  return deps.options.limits?.countOutput?.() ?? charOutputCounter()
}

/** A chat answer's row: its usage, or what is missing of it estimated (the completion from the answer's text). */
export function recordChatAnswer(deps: CallDeps, answer: AttemptAnswer<{ readonly name: string }, GenerateResult>, admissions: CallAdmissions): void {
  const { value: result, subject, route } = answer
  const { usage, estimated } = settledUsage(result.usage, {
    prompt: subject.call.estimate.prompt,
    completion: () => {
      const counter = newOutputCounter(deps)
      countAnswer(counter, result)
      return counter.tokens()
    },
  })
  const ttftMs = Math.round(performance.now() - subject.t0)
  recordRow(deps, { subject, route, outcome: "success", usage, estimated, ttftMs, facts: answerFacts(result) }, admissions)
}

export function recordEmbedAnswer(deps: CallDeps, answer: AttemptAnswer<{ readonly name: string }, EmbedResult>, admissions: CallAdmissions): void {
  const { value: result, subject, route } = answer
  const { usage, estimated } = settledEmbedUsage(result.usage, subject.call.estimate.prompt)
  recordRow(deps, { subject, route, outcome: "success", usage, estimated, ttftMs: Math.round(performance.now() - subject.t0) }, admissions)
}
