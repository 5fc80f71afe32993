import { Result, Schema } from "effect"
import { sequenceOf, withRun } from "../model/output-sequence.ts"
import type { GenerateChoiceResult, GenerateResult, OutputRun, ToolCall } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { finishReasonFromGemini } from "./map-finish-reason.ts"
import { usageFromGemini } from "./map-usage.ts"
import { FunctionCallPartIn, GeminiGenerateResponse, TextPartIn, type GeminiCandidate } from "./wire.ts"

const decodeResponse = Schema.decodeUnknownResult(GeminiGenerateResponse)
const isText = Schema.is(TextPartIn)
const isFunctionCall = Schema.is(FunctionCallPartIn)

export interface GeminiResponseOptions {
  /**
   * How calls Gemini gave no id are named: `<prefix><position>` (`<prefix>c<index>_<position>`
   * for a later candidate). Default `call_`. A caller that keys anything by tool-call id
   * (the backend's thought-signature store) passes a prefix unique to the call, since
   * Gemini's own answers usually carry no id and `call_0` repeats in every answer.
   */
  readonly toolCallIdPrefix?: string
}

/** The id of a call Gemini gave none (see GeminiResponseOptions). */
export function geminiToolCallId(prefix: string, candidateIndex: number, position: number): string {
  return candidateIndex === 0 ? `${prefix}${position}` : `${prefix}c${candidateIndex}_${position}`
}

/**
 * A non-streamed generateContent answer (parsed JSON) to a GenerateResult: every
 * candidate by index (candidateCount > 1), text parts joined as the content, `thought`
 * parts as reasoning, functionCall parts as tool calls (arguments as JSON text, the
 * part's thoughtSignature kept on the call, a text part's as `textSignature`, ids from the prefix where Gemini gives none),
 * other parts kept as unknownParts; the parts' order kept (sequence: thought parts between
 * functionCall parts, as the stream sends them); the finish reason normalised with the raw one
 * beside it. A prompt blocked before any candidate is a `content_filter` finish with
 * the block reason as the raw one.
 */
export function fromGenerateResponse(body: unknown, options: GeminiResponseOptions = {}): Outcome<GenerateResult> {
  const prefix = options.toolCallIdPrefix ?? "call_"
  const decoded = decodeResponse(body, { errors: "first" })
  if (Result.isFailure(decoded)) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  const response = decoded.success
  const candidates = [...(response.candidates ?? [])].map((candidate, position) => ({ index: candidate.index ?? position, candidate })).sort((a, b) => a.index - b.index)
  const repaired: string[] = []
  type Mutable = { -readonly [K in keyof GenerateResult]: GenerateResult[K] }
  let result: Mutable
  const first = candidates[0]
  if (first === undefined) {
    const blocked = response.promptFeedback?.blockReason
    if (blocked == null) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
    result = { content: "", finishReason: "content_filter", rawFinishReason: blocked }
  } else {
    result = { ...readCandidate(first.candidate, repaired, (position) => geminiToolCallId(prefix, 0, position)) }
    if (candidates.length > 1) result.additionalChoices = candidates.slice(1).map(({ index, candidate }) => ({ index, ...readCandidate(candidate, repaired, (position) => geminiToolCallId(prefix, index, position)) }))
  }
  if (response.responseId != null && response.responseId !== "") result.id = response.responseId
  else repaired.push("id_missing")
  if (response.modelVersion != null && response.modelVersion !== "") result.model = response.modelVersion
  else repaired.push("model_missing")
  if (response.usageMetadata != null) result.usage = usageFromGemini(response.usageMetadata)
  if (repaired.length > 0) result.repaired = [...new Set(repaired)]
  return succeed(result)
}

function readCandidate(candidate: GeminiCandidate, repaired: string[], idAt: (position: number) => string): GenerateChoiceResult {
  let text = ""
  let reasoning: string | undefined
  const toolCalls: ToolCall[] = []
  const unknownParts: Readonly<Record<string, unknown>>[] = []
  let textSignature: string | undefined
  let runs: readonly OutputRun[] = []
  for (const part of candidate.content?.parts ?? []) {
    if (isText(part)) {
      runs = withRun(runs, { kind: part.thought === true ? "reasoning" : "content", chars: part.text.length })
      if (part.thought === true) reasoning = (reasoning ?? "") + part.text
      else {
        text += part.text
        if (part.thoughtSignature != null && part.thoughtSignature !== "") textSignature = part.thoughtSignature
      }
    } else if (isFunctionCall(part)) {
      const call = part.functionCall
      const id = call.id != null && call.id !== "" ? call.id : idAt(toolCalls.length)
      const signed = part.thoughtSignature == null ? {} : { signature: part.thoughtSignature }
      runs = withRun(runs, { kind: "toolCall", position: toolCalls.length })
      toolCalls.push({ id, name: call.name ?? "", arguments: JSON.stringify(call.args ?? {}), ...signed })
    } else unknownParts.push(part)
  }
  const raw = candidate.finishReason ?? ""
  type Mutable = { -readonly [K in keyof GenerateChoiceResult]: GenerateChoiceResult[K] }
  const out: Mutable = { content: text === "" && toolCalls.length > 0 ? null : text, finishReason: raw === "" ? (toolCalls.length > 0 ? "tool_calls" : "stop") : finishReasonFromGemini(raw, toolCalls.length > 0) }
  if (raw === "") repaired.push("finish_reason_missing")
  else out.rawFinishReason = raw
  if (toolCalls.length > 0) out.toolCalls = toolCalls
  if (reasoning !== undefined) out.reasoning = reasoning
  if (unknownParts.length > 0) out.unknownParts = unknownParts
  if (textSignature !== undefined) out.textSignature = textSignature
  const sequence = sequenceOf(runs)
  if (sequence !== undefined) out.sequence = sequence
  return out
}
