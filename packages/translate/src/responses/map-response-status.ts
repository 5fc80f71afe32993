import type { FinishReason } from "../model/types.ts"
import type { ResponseOut } from "../wire/responses-out.ts"

/**
 * A finish reason as a Response's status: `length` and `content_filter` make the
 * response `incomplete` with that reason (as OpenAI reports a `max_output_tokens` stop);
 * everything else, an unknown upstream reason included, is `completed`.
 */
export function statusFromFinishReason(reason: FinishReason): Pick<ResponseOut, "status" | "incomplete_details"> {
  switch (reason) {
    case "stop":
    case "tool_calls":
    case "other":
      return { status: "completed", incomplete_details: null }
    case "length":
      return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } }
    case "content_filter":
      return { status: "incomplete", incomplete_details: { reason: "content_filter" } }
    default: {
      const unreachable: never = reason
      return unreachable
    }
  }
}

/** The finish reason a Response's status and incomplete reason mean (reading an upstream that speaks Responses). */
export function finishReasonFromStatus(status: string | undefined, incompleteReason: string | undefined, hasFunctionCalls: boolean): FinishReason {
  if (status === "incomplete") return incompleteReason === "content_filter" ? "content_filter" : "length"
  return hasFunctionCalls ? "tool_calls" : "stop"
}
