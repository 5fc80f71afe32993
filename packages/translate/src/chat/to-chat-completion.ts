import type { GenerateResult } from "../model/types.ts"
import type { ChatCompletionOut } from "../wire/chat-completion-out.ts"
import type { CompletionIdentity } from "./completion-identity.ts"
import { finishReasonToOpenAI } from "./map-finish-reason.ts"
import { usageToOpenAI } from "./map-usage.ts"

/** A GenerateResult as the OpenAI non-streamed chat completion the client receives. */
export function toChatCompletion(result: GenerateResult, identity: CompletionIdentity): ChatCompletionOut {
  const toolCalls = result.toolCalls ?? []
  // OpenAI sends content null when the answer is only tool calls.
  const content = result.content === "" && toolCalls.length > 0 ? null : result.content
  let message: ChatCompletionOut["choices"][0]["message"] = { role: "assistant", content, refusal: result.refusal ?? null }
  if (toolCalls.length > 0) {
    message = {
      ...message,
      tool_calls: toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })),
    }
  }
  if (result.reasoning !== undefined) message = { ...message, reasoning_content: result.reasoning }
  let completion: ChatCompletionOut = {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonToOpenAI(result.finishReason, result.rawFinishReason) }],
  }
  if (result.usage !== undefined) completion = { ...completion, usage: usageToOpenAI(result.usage) }
  if (result.systemFingerprint !== undefined) completion = { ...completion, system_fingerprint: result.systemFingerprint }
  if (result.serviceTier !== undefined) completion = { ...completion, service_tier: result.serviceTier }
  return completion
}
