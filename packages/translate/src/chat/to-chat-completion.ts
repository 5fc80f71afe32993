import type { GenerateChoiceResult, GenerateResult } from "../model/types.ts"
import type { ChatCompletionOut, CompletionChoiceOut, CompletionMessageOut } from "../wire/chat-completion-out.ts"
import type { CompletionIdentity } from "./completion-identity.ts"
import { annotationsToOpenAI } from "./map-annotations.ts"
import { finishReasonToOpenAI } from "./map-finish-reason.ts"
import { logprobsToOpenAI } from "./map-logprobs.ts"
import { thinkingBlocksToOpenAI } from "./map-thinking-blocks.ts"
import { serviceTierToOpenAI } from "./map-service-tier.ts"
import { usageToOpenAI } from "./map-usage.ts"

/**
 * A GenerateResult as the OpenAI non-streamed chat completion the client receives:
 * every choice by index, the upstream's extension fields forwarded as they were, and
 * only spec values in the spec's fields.
 */
export function toChatCompletion(result: GenerateResult, identity: CompletionIdentity): ChatCompletionOut {
  const choices: CompletionChoiceOut[] = [toChoice(0, result), ...(result.additionalChoices ?? []).map((choice) => toChoice(choice.index, choice))]
  const out: Record<string, unknown> = {}
  // Extensions first, so they can never replace a field the gateway sets.
  for (const [key, value] of Object.entries(result.extensions ?? {})) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  let completion: ChatCompletionOut = Object.assign(out, {
    id: identity.id,
    object: "chat.completion" as const,
    created: identity.created,
    model: identity.model,
    choices,
  })
  if (result.usage !== undefined) completion = { ...completion, usage: usageToOpenAI(result.usage) }
  if (result.systemFingerprint !== undefined) completion = { ...completion, system_fingerprint: result.systemFingerprint }
  const tier = serviceTierToOpenAI(result.serviceTier)
  if (tier !== undefined) completion = { ...completion, service_tier: tier }
  return completion
}

function toChoice(index: number, choice: GenerateChoiceResult): CompletionChoiceOut {
  const toolCalls = choice.toolCalls ?? []
  let message: CompletionMessageOut = { role: "assistant", content: choice.content, refusal: choice.refusal ?? null }
  if (toolCalls.length > 0) {
    message = {
      ...message,
      tool_calls: toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })),
    }
  }
  if (choice.annotations !== undefined) message = { ...message, annotations: annotationsToOpenAI(choice.annotations) }
  if (choice.reasoning !== undefined) message = { ...message, reasoning_content: choice.reasoning }
  if (choice.thinkingBlocks !== undefined && choice.thinkingBlocks.length > 0) message = { ...message, thinking_blocks: thinkingBlocksToOpenAI(choice.thinkingBlocks) }
  return {
    index,
    message,
    logprobs: choice.logprobs === undefined ? null : logprobsToOpenAI(choice.logprobs),
    finish_reason: finishReasonToOpenAI(choice.finishReason, choice.rawFinishReason),
  }
}
