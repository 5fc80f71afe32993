import type { GatewayError } from "../errors/gateway-error.ts"
import { fromUpstreamError, type UpstreamErrorOptions, type UpstreamErrorResponse } from "../errors/from-upstream-error.ts"

export interface OllamaErrorOptions extends UpstreamErrorOptions {
  /** Which call failed: a context-length error names the chat's `messages` or the embeddings' `input`. */
  readonly request: "chat" | "embed"
}

/**
 * An Ollama error answer (`{"error": "..."}` with the HTTP status, docs.ollama.com/api/errors;
 * or an error line mid-stream) to a reason, by the shared mapper and its redaction. Ollama's
 * "the input length exceeds the context length" carries no param: the field it names is the
 * one the failed call sent.
 */
export function fromOllamaError(response: UpstreamErrorResponse, nowMs: number, options: OllamaErrorOptions): GatewayError {
  const reason = fromUpstreamError(response, nowMs, options)
  if (reason._tag === "ContextLengthExceeded") return { ...reason, param: options.request === "embed" ? "input" : "messages" }
  return reason
}
