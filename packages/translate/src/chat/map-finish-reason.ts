import type { FinishReason } from "../model/types.ts"

/**
 * Upstream finish reasons (lower-cased) to their meaning: OpenAI's own, and the
 * aliases other providers use for the same thing (Anthropic, Gemini, Mistral,
 * Cohere, vLLM/TGI, Bedrock).
 */
const fromOpenAITable: ReadonlyMap<string, FinishReason> = new Map<string, FinishReason>([
  ["stop", "stop"],
  ["end_turn", "stop"],
  ["stop_sequence", "stop"],
  ["eos", "stop"],
  ["eos_token", "stop"],
  ["complete", "stop"],
  ["finish_reason_stop", "stop"],
  ["length", "length"],
  ["max_tokens", "length"],
  ["max_output_tokens", "length"],
  ["model_length", "length"],
  ["model_context_window_exceeded", "length"],
  ["tool_calls", "tool_calls"],
  ["function_call", "tool_calls"], // legacy name for the same thing
  ["tool_use", "tool_calls"],
  ["content_filter", "content_filter"],
  ["content_filtered", "content_filter"],
  ["safety", "content_filter"],
  ["recitation", "content_filter"],
  ["blocklist", "content_filter"],
  ["prohibited_content", "content_filter"],
  ["spii", "content_filter"],
  ["refusal", "content_filter"],
  ["guardrail_intervened", "content_filter"],
])

/** An upstream finish_reason, normalised. Unknown values become `other` (the raw value is kept beside it). */
export function finishReasonFromOpenAI(raw: string): FinishReason {
  return fromOpenAITable.get(raw.toLowerCase()) ?? "other"
}

/**
 * The finish_reason the gateway sends: always one of the spec's values. A reason it
 * could not normalise goes out as `stop` (clients validate the enum); the raw value
 * stays in the internal result and the accounting row.
 */
export function finishReasonToOpenAI(reason: FinishReason, _raw?: string): "stop" | "length" | "tool_calls" | "content_filter" {
  switch (reason) {
    case "stop":
    case "length":
    case "tool_calls":
    case "content_filter":
      return reason
    case "other":
      return "stop"
    default: {
      const unreachable: never = reason
      return unreachable
    }
  }
}
