import type { FinishReason } from "../model/types.ts"

/** Ollama's done_reason, normalised: stop (tool_calls when the model called tools), length; load and unload are not answers (`other`, raw kept). */
export function doneReasonFromOllama(raw: string, hasToolCalls: boolean): FinishReason {
  switch (raw) {
    case "stop":
      return hasToolCalls ? "tool_calls" : "stop"
    case "length":
      return "length"
    default:
      return "other"
  }
}
