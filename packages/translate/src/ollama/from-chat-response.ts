import { Result, Schema } from "effect"
import type { GenerateResult } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { doneReasonFromOllama } from "./map-done-reason.ts"
import { usageFromOllama } from "./map-usage.ts"
import { readOllamaCreated, readOllamaMessage } from "./read-chat-message.ts"
import { OllamaChatResponse } from "./wire.ts"

const decode = Schema.decodeUnknownResult(OllamaChatResponse)

/**
 * A non-streamed `/api/chat` answer (parsed JSON) to a GenerateResult: content,
 * thinking as reasoning, tool calls, the done reason normalised with the raw one beside
 * it, usage and timing. Ollama sends no id: the caller's identity stands in (recorded as
 * the `id_missing` repair, like any upstream without one).
 */
export function fromOllamaChatResponse(body: unknown): Outcome<GenerateResult> {
  const decoded = decode(body, { errors: "first" })
  if (Result.isFailure(decoded) || decoded.success.message == null) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  const response = decoded.success
  const parts = readOllamaMessage(response, 0)
  const repaired: string[] = ["id_missing"]
  const raw = response.done_reason ?? ""
  const hasCalls = parts.toolCalls.length > 0
  type Mutable = { -readonly [K in keyof GenerateResult]: GenerateResult[K] }
  const result: Mutable = { content: parts.content === "" && hasCalls ? null : parts.content, finishReason: raw === "" ? (hasCalls ? "tool_calls" : "stop") : doneReasonFromOllama(raw, hasCalls) }
  if (raw === "") repaired.push("finish_reason_missing")
  else result.rawFinishReason = raw
  if (hasCalls) result.toolCalls = parts.toolCalls
  if (parts.thinking !== "") result.reasoning = parts.thinking
  if (response.model != null && response.model !== "") result.model = response.model
  else repaired.push("model_missing")
  const created = readOllamaCreated(response.created_at)
  if (created !== undefined) result.created = created
  else repaired.push("created_missing")
  if (response.prompt_eval_count != null || response.eval_count != null) result.usage = usageFromOllama(response)
  result.repaired = repaired
  return succeed(result)
}
