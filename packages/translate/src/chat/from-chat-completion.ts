import { Result, Schema } from "effect"
import type { GenerateChoiceResult, GenerateResult, Repair, ToolCall } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { ChatCompletion, type CompletionChoice } from "../wire/chat-completion.ts"
import { annotationsFromOpenAI } from "./map-annotations.ts"
import { finishReasonFromOpenAI } from "./map-finish-reason.ts"
import { logprobsFromOpenAI } from "./map-logprobs.ts"
import { usageFromGroq, usageFromOpenAI } from "./map-usage.ts"
import { sequenceOf } from "../model/output-sequence.ts"
import { readContentParts } from "./read-content-parts.ts"
import { readCreated } from "./read-created.ts"
import { readToolArguments } from "./read-tool-arguments.ts"
import { readUpstreamExtensions } from "./read-upstream-extensions.ts"

const decodeCompletion = Schema.decodeUnknownResult(ChatCompletion)

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * An upstream's non-streamed chat completion (parsed JSON) to a GenerateResult.
 * Tolerant of what every client would accept from a provider: a missing id, created or
 * model (left for the caller's identity), `created` as a string, content as parts, a
 * tool call without an id or with object arguments, a missing finish reason (then
 * `tool_calls` or `stop`). Each such repair is named in `repaired`. An answer that is
 * not a completion or has no choice is an upstream error.
 */
export function fromChatCompletion(body: unknown): Outcome<GenerateResult> {
  const decoded = decodeCompletion(body, { errors: "first" })
  if (Result.isFailure(decoded)) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  const completion = decoded.success
  const repaired = new Set<Repair>()
  const choices = completion.choices.map((choice, position) => ({ index: choice.index ?? position, choice })).sort((a, b) => a.index - b.index)
  const first = choices[0]
  if (first === undefined) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })

  const result: Mutable<GenerateResult> = { ...readChoice(first.choice, repaired) }
  if (choices.length > 1) result.additionalChoices = choices.slice(1).map(({ index, choice }) => ({ index, ...readChoice(choice, repaired) }))
  if (completion.id != null && completion.id !== "") result.id = completion.id
  else repaired.add("id_missing")
  if (completion.model != null && completion.model !== "") result.model = completion.model
  else repaired.add("model_missing")
  const created = readCreated(completion.created)
  if (created.created !== undefined) result.created = created.created
  else repaired.add("created_missing")
  if (created.fromString) repaired.add("created_string")
  const groqUsage = completion.x_groq?.usage
  if (completion.usage != null) result.usage = usageFromOpenAI(completion.usage)
  else if (groqUsage != null) result.usage = usageFromGroq(groqUsage)
  if (completion.system_fingerprint != null) result.systemFingerprint = completion.system_fingerprint
  if (completion.service_tier != null) result.serviceTier = completion.service_tier
  const extensions = readUpstreamExtensions(completion)
  if (extensions !== undefined) result.extensions = extensions
  if (repaired.size > 0) result.repaired = [...repaired]
  return succeed(result)
}

function readChoice(choice: CompletionChoice, repaired: Set<Repair>): GenerateChoiceResult {
  const message = choice.message
  const content = readContentParts(message.content)
  for (const repair of content.repaired) repaired.add(repair)
  const toolCalls: ToolCall[] = []
  for (const call of message.tool_calls ?? []) {
    const args = readToolArguments(call.function.arguments)
    if (args.stringified) repaired.add("tool_arguments_object")
    let id = call.id ?? ""
    if (id === "") {
      id = `call_${toolCalls.length}`
      repaired.add("tool_call_id_missing")
    }
    toolCalls.push({ id, name: call.function.name, arguments: args.text })
  }
  if (message.function_call != null) {
    const args = readToolArguments(message.function_call.arguments)
    if (args.stringified) repaired.add("tool_arguments_object")
    toolCalls.push({ id: `call_${toolCalls.length}`, name: message.function_call.name, arguments: args.text })
  }
  const rawFinish = choice.finish_reason ?? ""
  let out: Mutable<GenerateChoiceResult> = { content: content.text, finishReason: toolCalls.length > 0 ? "tool_calls" : "stop" }
  if (rawFinish === "") repaired.add("finish_reason_missing")
  else out = { ...out, finishReason: finishReasonFromOpenAI(rawFinish), rawFinishReason: rawFinish }
  if (toolCalls.length > 0) out.toolCalls = toolCalls
  if (message.refusal != null) out.refusal = message.refusal
  // `reasoning_content: ""` beside `reasoning: "…"` must not hide the text.
  const reasoning = [message.reasoning_content, message.reasoning, content.reasoning].find((text) => text != null && text !== "")
  if (reasoning != null) out.reasoning = reasoning
  // The parts' order (Magistral's thinking parts between text parts), when the reasoning is theirs.
  const sequence = reasoning === content.reasoning ? sequenceOf(content.runs) : undefined
  if (sequence !== undefined) out.sequence = sequence
  if (choice.logprobs != null) out.logprobs = logprobsFromOpenAI(choice.logprobs)
  if (message.annotations != null && message.annotations.length > 0) {
    const { citations, invalid } = annotationsFromOpenAI(message.annotations)
    if (citations.length > 0) out.annotations = citations
    if (invalid > 0) repaired.add("annotation_invalid")
  }
  if (content.unknownParts.length > 0) out.unknownParts = content.unknownParts
  return out
}
