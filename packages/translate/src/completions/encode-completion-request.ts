import type { CompletionRequestOut } from "../wire/completions.ts"
import type { CompletionCall } from "./completion-call.ts"

/**
 * A CompletionCall (its `model` already the deployment's upstream id) as the body an
 * OpenAI-compatible upstream's `/completions` receives: the passed-through extensions,
 * then the client's fields as sent, and for a stream `include_usage` (the gateway
 * accounts every stream by its usage; the client gets it only if it asked).
 */
export function encodeCompletionRequest(call: CompletionCall): CompletionRequestOut {
  const body: CompletionRequestOut = { ...call.passthrough, ...call.fields, model: call.model, stream: call.stream }
  return call.stream ? { ...body, stream_options: { include_usage: true } } : body
}
