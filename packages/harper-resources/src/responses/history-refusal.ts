import type { GatewayError } from "@harper-gateway/translate"
import type { ChainBounds, ChainRead } from "./response-store.ts"

/** Why a `previous_response_id` chain cannot be continued, as the client is told. */
export function chainRefusal(read: Exclude<ChainRead, { readonly kind: "found" }>, previousResponseId: string, bounds: ChainBounds): GatewayError {
  switch (read.kind) {
    case "missing":
      return { _tag: "InvalidRequest", message: `Previous response with id '${previousResponseId}' not found.`, param: "previous_response_id", code: "previous_response_not_found", status: 404 }
    case "too_deep":
      // A 400 at the turn that would pass the bound: the chain stays readable, and nothing is stored that cannot be continued.
      return {
        _tag: "InvalidRequest",
        message: `The conversation of previous_response_id already holds ${bounds.maxDepth} responses, the most one chain may hold on this gateway (responses.maxChainDepth): start a new conversation, sending what it needs as input.`,
        param: "previous_response_id",
        code: "conversation_too_deep",
      }
    case "too_large":
      return historyTooLarge(bounds.maxBytes, "previous_response_id")
    default: {
      const unreachable: never = read
      return unreachable
    }
  }
}

/** A conversation rebuilt from storage (with the request's input) over the byte bound; `param` names what brought it in. */
export function historyTooLarge(maxBytes: number, param: "previous_response_id" | "input"): GatewayError {
  return {
    _tag: "InvalidRequest",
    message: `The conversation rebuilt from stored responses and items with this input is over this gateway's limit of ${maxBytes} bytes (responses.maxHistoryBytes). Nothing is dropped to fit this limit (truncation "auto" fits the model's context window, not this bound): send a shorter input or start a new conversation.`,
    param,
    code: "context_length_exceeded",
  }
}
