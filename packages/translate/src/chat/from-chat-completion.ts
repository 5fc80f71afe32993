import { Result, Schema } from "effect"
import type { GenerateResult } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { ChatCompletion } from "../wire/chat-completion.ts"
import { finishReasonFromOpenAI } from "./map-finish-reason.ts"
import { usageFromOpenAI } from "./map-usage.ts"

const decodeCompletion = Schema.decodeUnknownResult(ChatCompletion)

type MutableResult = { -readonly [K in keyof GenerateResult]: GenerateResult[K] }

/**
 * An upstream's non-streamed chat completion (parsed JSON) to a GenerateResult.
 * An answer that is not a completion, has no choice, or no finish reason is an
 * upstream error: the gateway will not invent a `stop`.
 */
export function fromChatCompletion(body: unknown): Outcome<GenerateResult> {
  const decoded = decodeCompletion(body, { errors: "first" })
  if (Result.isFailure(decoded)) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  const completion = decoded.success
  const choice = completion.choices[0]
  if (choice === undefined || choice.finish_reason == null) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  const message = choice.message
  const result: MutableResult = {
    content: message.content ?? "",
    finishReason: finishReasonFromOpenAI(choice.finish_reason),
    rawFinishReason: choice.finish_reason,
    id: completion.id,
    model: completion.model,
    created: completion.created,
  }
  if (message.tool_calls != null && message.tool_calls.length > 0) {
    result.toolCalls = message.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }))
  }
  if (message.refusal != null) result.refusal = message.refusal
  const reasoning = message.reasoning_content ?? message.reasoning
  if (reasoning != null) result.reasoning = reasoning
  if (completion.usage != null) result.usage = usageFromOpenAI(completion.usage)
  if (completion.system_fingerprint != null) result.systemFingerprint = completion.system_fingerprint
  if (completion.service_tier != null) result.serviceTier = completion.service_tier
  return succeed(result)
}
