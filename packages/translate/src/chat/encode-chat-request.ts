import type * as Wire from "../wire/chat-request.ts"
import type { ChatCall } from "./chat-call.ts"
import { messageToOpenAI } from "./message-to-openai.ts"
import { responseFormatToOpenAI } from "./map-response-format.ts"
import { toolChoiceToOpenAI } from "./map-tool-choice.ts"
import { toolToOpenAI } from "./map-tool.ts"

/** The wire body, with the passthrough fields merged in under their own names. */
export type ChatRequestBody = Wire.ChatRequest & Readonly<Record<string, unknown>>

/**
 * A ChatCall as an OpenAI chat request body: the reverse of decodeChatRequest, used by
 * the OpenAI-compatible backend. Passthrough fields go out verbatim, after the modelled
 * ones, which they cannot override.
 */
export function encodeChatRequest(call: ChatCall): ChatRequestBody {
  const { input, opts } = call
  const body: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(opts.passthrough ?? {})) Object.defineProperty(body, key, { value, enumerable: true, writable: true, configurable: true })
  const request: { -readonly [K in keyof Wire.ChatRequest]: Wire.ChatRequest[K] } = {
    model: opts.model,
    messages: input.messages.map((message) => messageToOpenAI(message, { cacheControl: call.forwardCacheControl === true })),
  }
  if (call.stream) request.stream = true
  if (call.includeUsage) request.stream_options = { include_usage: true }
  if (opts.temperature !== undefined) request.temperature = opts.temperature
  if (opts.topP !== undefined) request.top_p = opts.topP
  if (opts.maxTokens !== undefined) request.max_tokens = opts.maxTokens
  if (opts.maxCompletionTokens !== undefined) request.max_completion_tokens = opts.maxCompletionTokens
  if (opts.stop !== undefined) request.stop = opts.stop
  if (opts.seed !== undefined) request.seed = opts.seed
  if (opts.presencePenalty !== undefined) request.presence_penalty = opts.presencePenalty
  if (opts.frequencyPenalty !== undefined) request.frequency_penalty = opts.frequencyPenalty
  if (opts.user !== undefined) request.user = opts.user
  if (opts.metadata !== undefined) request.metadata = opts.metadata
  if (opts.reasoningEffort !== undefined) request.reasoning_effort = opts.reasoningEffort
  if (input.tools !== undefined) request.tools = input.tools.map(toolToOpenAI)
  if (opts.toolChoice !== undefined) request.tool_choice = toolChoiceToOpenAI(opts.toolChoice)
  if (opts.parallelToolCalls !== undefined) request.parallel_tool_calls = opts.parallelToolCalls
  if (opts.responseFormat !== undefined) request.response_format = responseFormatToOpenAI(opts.responseFormat)
  if (opts.n !== undefined) request.n = opts.n
  if (opts.logprobs !== undefined) request.logprobs = opts.logprobs
  if (opts.topLogprobs !== undefined) request.top_logprobs = opts.topLogprobs
  return Object.assign(body, request)
}
