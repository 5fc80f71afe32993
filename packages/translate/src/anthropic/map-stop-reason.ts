import { finishReasonFromOpenAI } from "../chat/map-finish-reason.ts"
import type { FinishReason } from "../model/types.ts"

/**
 * Anthropic's stop_reason, normalised: end_turn and stop_sequence → stop, max_tokens and
 * model_context_window_exceeded → length, tool_use → tool_calls (stop when the tool
 * only carried structured output), refusal → content_filter. pause_turn (a server-tool
 * turn the caller should continue) has no OpenAI counterpart: `other`, raw kept.
 */
export function stopReasonFromAnthropic(raw: string, structuredOutput: boolean): FinishReason {
  if (raw === "tool_use" && structuredOutput) return "stop"
  if (raw === "pause_turn") return "other"
  return finishReasonFromOpenAI(raw)
}
