import type { CallFacts } from "../accounting/model-call-record.ts"

/** Finish reasons and repairs of an answer, for its row. */
export function answerFacts(answer: { readonly finishReason?: string; readonly rawFinishReason?: string; readonly repaired?: readonly string[] }): Partial<CallFacts> {
  return {
    finishReason: answer.finishReason ?? null,
    rawFinishReason: answer.rawFinishReason ?? null,
    repaired: answer.repaired === undefined || answer.repaired.length === 0 ? null : [...answer.repaired],
  }
}
