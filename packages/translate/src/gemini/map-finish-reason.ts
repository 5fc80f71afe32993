import type { FinishReason } from "../model/types.ts"

/**
 * Gemini's finishReason (or promptFeedback.blockReason), normalised. Gemini says STOP
 * after function calls too; OpenAI clients wait for `tool_calls` then. Every safety,
 * recitation and blocklist stop is `content_filter`; the rest is `other`, raw kept.
 */
export function finishReasonFromGemini(raw: string, hasToolCalls: boolean): FinishReason {
  switch (raw.toUpperCase()) {
    case "STOP":
      return hasToolCalls ? "tool_calls" : "stop"
    case "MAX_TOKENS":
      return "length"
    case "SAFETY":
    case "RECITATION":
    case "BLOCKLIST":
    case "PROHIBITED_CONTENT":
    case "SPII":
    case "IMAGE_SAFETY":
    case "IMAGE_PROHIBITED_CONTENT":
    case "IMAGE_RECITATION":
      return "content_filter"
    default:
      return "other"
  }
}
