import { finishReasonToOpenAI } from "../chat/map-finish-reason.ts"
import type { FinishReason } from "../model/types.ts"

/** The finish_reason a text completion may send (the spec's three): chat's rule, and a tool call (no completion makes one) reads as `stop`. */
export function textFinishReasonToOpenAI(reason: FinishReason): "stop" | "length" | "content_filter" {
  const chat = finishReasonToOpenAI(reason)
  return chat === "tool_calls" ? "stop" : chat
}
