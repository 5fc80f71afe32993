import { Result, Schema } from "effect"
import { sequenceOf, withRun } from "../model/output-sequence.ts"
import type { GenerateResult, OutputRun, ThinkingBlock, ToolCall } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { fallbackModel } from "./fallback-model.ts"
import { stopReasonFromAnthropic } from "./map-stop-reason.ts"
import { usageFromAnthropic } from "./map-usage.ts"
import { AnthropicMessageResponse, RedactedThinkingBlockIn, TextBlockIn, ThinkingBlockIn, ToolUseBlockIn } from "./wire.ts"

export interface AnthropicDecodeOptions {
  /** The forced tool that carried structured output (AnthropicEncodedRequest.structuredOutputTool): its input is the content. */
  readonly structuredOutputTool?: string
}

const decodeMessage = Schema.decodeUnknownResult(AnthropicMessageResponse)
const isText = Schema.is(TextBlockIn)
const isThinking = Schema.is(ThinkingBlockIn)
const isRedacted = Schema.is(RedactedThinkingBlockIn)
const isToolUse = Schema.is(ToolUseBlockIn)

/**
 * A non-streamed Messages API answer (parsed JSON) to a GenerateResult: text blocks
 * joined as the content (when the forced structured-output tool answered, its input
 * alone is the content and any text is kept apart as an unknown part, repair
 * `text_beside_structured_output`), tool_use blocks as tool calls (arguments as JSON text),
 * thinking as reasoning with the signed blocks kept, other block types kept as
 * unknownParts (a `fallback` block's `to` model is the answer's model); the blocks' order kept (sequence:
 * thinking between tool_use blocks, as the stream sends it); the stop reason normalised with the raw one beside it, usage with
 * cache reads and writes. Content is null only when the model answered with tool
 * calls alone (as OpenAI sends it).
 */
export function fromMessagesResponse(body: unknown, options: AnthropicDecodeOptions = {}): Outcome<GenerateResult> {
  const decoded = decodeMessage(body, { errors: "first" })
  if (Result.isFailure(decoded)) return fail({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  const message = decoded.success
  let text = ""
  let reasoning: string | undefined
  const thinkingBlocks: ThinkingBlock[] = []
  const toolCalls: ToolCall[] = []
  const unknownParts: Readonly<Record<string, unknown>>[] = []
  const structured = options.structuredOutputTool !== undefined && message.content.some((block) => isToolUse(block) && block.name === options.structuredOutputTool)
  let structuredJson = ""
  let apart = false
  let answeredBy: string | undefined
  let runs: readonly OutputRun[] = []
  for (const block of message.content) {
    if (isText(block)) {
      // Beside the forced tool, text is no part of the JSON answer: kept as the block it came as (see docs/backends/anthropic.md).
      if (structured) {
        apart = true
        unknownParts.push({ type: "text", text: block.text })
      } else {
        text += block.text
        runs = withRun(runs, { kind: "content", chars: block.text.length })
      }
      // Citations (documents, web search) have no internal field: kept as Anthropic sent them, as the stream's citations_delta are.
      unknownParts.push(...(block.citations ?? []))
    } else if (isThinking(block)) {
      reasoning = (reasoning ?? "") + block.thinking
      runs = withRun(runs, { kind: "reasoning", chars: block.thinking.length })
      thinkingBlocks.push({ type: "thinking", thinking: block.thinking, signature: block.signature ?? "" })
    } else if (isRedacted(block)) thinkingBlocks.push({ type: "redacted_thinking", data: block.data })
    else if (isToolUse(block)) {
      const args = JSON.stringify(block.input ?? {})
      if (structured && block.name === options.structuredOutputTool) structuredJson += args
      else {
        runs = withRun(runs, { kind: "toolCall", position: toolCalls.length })
        toolCalls.push({ id: block.id, name: block.name, arguments: args })
      }
    } else {
      answeredBy = fallbackModel(block) ?? answeredBy
      unknownParts.push(block)
    }
  }
  if (structured) text = structuredJson
  const repaired: string[] = apart ? ["text_beside_structured_output"] : []
  const rawStop = message.stop_reason ?? ""
  type Mutable = { -readonly [K in keyof GenerateResult]: GenerateResult[K] }
  const result: Mutable = {
    content: text === "" && toolCalls.length > 0 ? null : text,
    finishReason: rawStop === "" ? (toolCalls.length > 0 ? "tool_calls" : "stop") : stopReasonFromAnthropic(rawStop, structured),
  }
  if (rawStop === "") repaired.push("finish_reason_missing")
  else result.rawFinishReason = rawStop
  if (toolCalls.length > 0) result.toolCalls = toolCalls
  if (reasoning !== undefined) result.reasoning = reasoning
  if (thinkingBlocks.length > 0) result.thinkingBlocks = thinkingBlocks
  if (unknownParts.length > 0) result.unknownParts = unknownParts
  // The structured-output tool's JSON is the whole content: the text runs no longer describe it.
  const sequence = structured ? undefined : sequenceOf(runs)
  if (sequence !== undefined) result.sequence = sequence
  if (message.id != null && message.id !== "") result.id = message.id
  else repaired.push("id_missing")
  if (answeredBy !== undefined) result.model = answeredBy
  else if (message.model != null && message.model !== "") result.model = message.model
  else repaired.push("model_missing")
  if (message.usage != null) result.usage = usageFromAnthropic(message.usage)
  if (repaired.length > 0) result.repaired = repaired
  return succeed(result)
}
