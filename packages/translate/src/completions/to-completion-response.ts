import type { CompletionIdentity } from "../chat/completion-identity.ts"
import { usageToOpenAI } from "../chat/map-usage.ts"
import type { GenerateChoiceResult, GenerateResult } from "../model/types.ts"
import type { TextCompletionChoiceOut, CompletionResponseOut } from "../wire/completions.ts"
import { textFinishReasonToOpenAI } from "./map-text-finish-reason.ts"
import { textLogprobsToOpenAI } from "./map-text-logprobs.ts"

/** A GenerateResult as the `text_completion` a `/v1/completions` client receives: every choice by index, spec values only. */
export function toCompletionResponse(result: GenerateResult, identity: CompletionIdentity): CompletionResponseOut {
  const choices = [toChoice(0, result), ...(result.additionalChoices ?? []).map((choice) => toChoice(choice.index, choice))]
  return {
    id: identity.id,
    object: "text_completion",
    created: identity.created,
    model: identity.model,
    choices,
    ...(result.systemFingerprint === undefined ? {} : { system_fingerprint: result.systemFingerprint }),
    ...(result.usage === undefined ? {} : { usage: usageToOpenAI(result.usage) }),
  }
}

function toChoice(index: number, choice: GenerateChoiceResult): TextCompletionChoiceOut {
  return {
    text: choice.content ?? "",
    index,
    logprobs: choice.textLogprobs === undefined ? null : textLogprobsToOpenAI(choice.textLogprobs),
    finish_reason: textFinishReasonToOpenAI(choice.finishReason),
  }
}
