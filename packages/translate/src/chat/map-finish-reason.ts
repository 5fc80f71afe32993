import type { FinishReason } from "../model/types.ts"

const fromOpenAITable: ReadonlyMap<string, FinishReason> = new Map<string, FinishReason>([
  ["stop", "stop"],
  ["length", "length"],
  ["tool_calls", "tool_calls"],
  ["function_call", "tool_calls"], // legacy name for the same thing
  ["content_filter", "content_filter"],
])

/** An upstream finish_reason, normalised. Unknown values become `other`, never `stop`. */
export function finishReasonFromOpenAI(raw: string): FinishReason {
  return fromOpenAITable.get(raw) ?? "other"
}

/**
 * The finish_reason the gateway sends. A reason it could not normalise goes out as
 * the upstream said it: clients accept any string, and hiding it would lie.
 */
export function finishReasonToOpenAI(reason: FinishReason, raw: string | undefined): string {
  switch (reason) {
    case "stop":
    case "length":
    case "tool_calls":
    case "content_filter":
      return reason
    case "other":
      return raw ?? "other"
    default: {
      const unreachable: never = reason
      return unreachable
    }
  }
}
