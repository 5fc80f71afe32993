import { succeed, truncateConversation, type Outcome, type ResponsesCall, type ResponsesWire } from "@harper-gateway/translate"
import { responsesTokenCounter } from "../limits/estimate-tokens.ts"

/** What `truncation: "auto"` needs to know about the models: their configured windows, and the answer's share when the request sets none. */
export interface WindowPolicy {
  /** A model's `contextWindow` by the name a request uses (models' contextWindowOf); undefined when not configured. */
  readonly contextWindowOf: (model: string) => number | undefined
  /** Tokens kept for the answer when the request sets no max_output_tokens (`limits.defaultCompletionTokens`). */
  readonly defaultOutputTokens: number
}

/**
 * The conversation's items to send upstream: all of them, unless the request asks for
 * `truncation: "auto"` and its model has a configured window, when the oldest turns
 * are dropped to fit it (translate's truncateConversation, counted with the gateway's
 * token estimate). The window of the model the request names is used; its fallbacks
 * get the same conversation.
 */
export function itemsToSend(call: ResponsesCall, items: readonly ResponsesWire.ResponseItem[], policy: WindowPolicy): Outcome<readonly ResponsesWire.ResponseItem[]> {
  if (call.truncation === "disabled") return succeed(items)
  const contextWindow = policy.contextWindowOf(call.opts.model)
  if (contextWindow === undefined) return succeed(items)
  const counter = responsesTokenCounter()
  return truncateConversation(
    { items, fixedTokens: counter.fixed({ instructions: call.instructions, tools: call.tools }), count: counter.item },
    { contextWindow, reservedOutput: call.opts.maxCompletionTokens ?? policy.defaultOutputTokens },
  )
}
