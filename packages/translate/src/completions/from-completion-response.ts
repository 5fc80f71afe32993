import { Result, Schema } from "effect"
import { finishReasonFromOpenAI } from "../chat/map-finish-reason.ts"
import { usageFromOpenAI } from "../chat/map-usage.ts"
import { readCreated } from "../chat/read-created.ts"
import type { GenerateChoiceResult, GenerateResult, Repair } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { CompletionResponse, type TextCompletionChoice } from "../wire/completions.ts"
import { textLogprobsFromOpenAI } from "./map-text-logprobs.ts"

const decode = Schema.decodeUnknownResult(CompletionResponse)

/**
 * An upstream's `/completions` answer (parsed JSON) to a GenerateResult: choice 0 on top,
 * the others in `additionalChoices` by index; usage read by chat's one usage mapper (an
 * untrusted figure left out and named, for the models layer to estimate); what had to be
 * repaired (missing id, model, created or finish reason) named in `repaired`.
 */
export function fromCompletionResponse(body: unknown): Outcome<GenerateResult> {
  const decoded = decode(body, { errors: "first" })
  if (Result.isFailure(decoded)) return invalid("the answer is not a text completion")
  const response = decoded.success
  const repairs: Repair[] = []
  const choices = new Map<number, GenerateChoiceResult>()
  for (const [position, choice] of response.choices.entries()) {
    const index = choice.index ?? position
    if (!Number.isInteger(index) || index < 0 || choices.has(index)) return invalid(`choice index ${index} is not a new non-negative integer`)
    choices.set(index, choiceOf(choice, repairs))
  }
  const first = choices.get(0)
  if (first === undefined) return invalid("the answer has no choice 0")
  const created = readCreated(response.created)
  if (created.fromString) repairs.push("created_string")
  if (created.created === undefined) repairs.push("created_missing")
  if (response.id == null || response.id === "") repairs.push("id_missing")
  if (response.model == null || response.model === "") repairs.push("model_missing")
  const additional = [...choices]
    .filter(([index]) => index !== 0)
    .sort(([a], [b]) => a - b)
    .map(([index, choice]) => ({ ...choice, index }))
  const repaired = [...new Set(repairs)]
  return succeed({
    ...first,
    ...(response.id == null || response.id === "" ? {} : { id: response.id }),
    ...(response.model == null || response.model === "" ? {} : { model: response.model }),
    ...(created.created === undefined ? {} : { created: created.created }),
    ...(response.system_fingerprint == null ? {} : { systemFingerprint: response.system_fingerprint }),
    ...(response.usage == null ? {} : { usage: usageFromOpenAI(response.usage) }),
    ...(additional.length === 0 ? {} : { additionalChoices: additional }),
    ...(repaired.length === 0 ? {} : { repaired }),
  })
}

function choiceOf(choice: TextCompletionChoice, repairs: Repair[]): GenerateChoiceResult {
  const raw = choice.finish_reason ?? ""
  if (raw === "") repairs.push("finish_reason_missing")
  return {
    content: choice.text ?? "",
    finishReason: raw === "" ? "stop" : finishReasonFromOpenAI(raw),
    ...(raw === "" ? {} : { rawFinishReason: raw }),
    ...(choice.logprobs == null ? {} : { textLogprobs: textLogprobsFromOpenAI(choice.logprobs) }),
  }
}

function invalid(detail: string): Outcome<GenerateResult> {
  return fail({ _tag: "UpstreamError", code: "invalid_upstream_response", detail })
}
