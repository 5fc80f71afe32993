import type { ChatCall } from "../chat/chat-call.ts"
import type { GatewayError } from "../errors/gateway-error.ts"
import type { ReasoningEffort, ResponseFormat, ToolChoice } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { refusedAnthropicOption } from "./field-dispositions.ts"
import { messagesToAnthropic } from "./messages-to-anthropic.ts"
import type { AnthropicMessagesRequest, AnthropicTool, AnthropicToolChoice } from "./wire.ts"
import { unsupportedByProvider } from "../wire/json-object.ts"

export interface AnthropicRequestOptions {
  /** `max_tokens` when the client set none: the API requires one. */
  readonly defaultMaxTokens: number
  /** Whether the model takes `output_config.format` (native structured output); otherwise a forced tool carries the schema. */
  readonly nativeStructuredOutput?: boolean
  /** Thinking budget (tokens) per reasoning effort; `none` always disables thinking. */
  readonly thinkingBudgets?: Readonly<Partial<Record<Exclude<ReasoningEffort, "none">, number>>>
  /** The forced tool's name when structured output goes through a tool. */
  readonly structuredOutputToolName?: string
}

export interface AnthropicEncodedRequest {
  readonly body: AnthropicMessagesRequest
  /** Set when structured output goes through a forced tool: give it to the decoders, which read that tool's input as the content. */
  readonly structuredOutputTool?: string
}

export const defaultThinkingBudgets: Readonly<Record<Exclude<ReasoningEffort, "none">, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
  max: 65536,
}

/** The API's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024

/**
 * A ChatCall as an Anthropic Messages API request body, or the 400 for the first field
 * the API cannot take (see field-dispositions.ts).
 */
export function encodeMessagesRequest(call: ChatCall, options: AnthropicRequestOptions): Outcome<AnthropicEncodedRequest> {
  const { input, opts } = call
  const refused = refusedAnthropicOption(opts)
  if (refused !== undefined) return fail(refused)
  const conversation = messagesToAnthropic(input.messages)
  if (!conversation.ok) return conversation
  const maxTokens = opts.maxCompletionTokens ?? opts.maxTokens ?? options.defaultMaxTokens
  type Mutable = { -readonly [K in keyof AnthropicMessagesRequest]: AnthropicMessagesRequest[K] }
  const body: Mutable = { model: opts.model, messages: conversation.value.messages, max_tokens: maxTokens }
  if (conversation.value.system.length > 0) body.system = conversation.value.system
  if (call.stream) body.stream = true
  if (opts.temperature !== undefined) body.temperature = opts.temperature
  if (opts.topP !== undefined) body.top_p = opts.topP
  const topK = opts.passthrough?.["top_k"]
  if (topK !== undefined && topK !== null) {
    if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1) return fail(unsupportedByProvider("top_k", "top_k must be a positive integer."))
    body.top_k = topK
  }
  if (opts.stop !== undefined) body.stop_sequences = typeof opts.stop === "string" ? [opts.stop] : opts.stop
  if (opts.user !== undefined) body.metadata = { user_id: opts.user }
  const tools: AnthropicTool[] = (input.tools ?? []).map((tool) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input_schema: tool.parameters ?? { type: "object", properties: {} },
  }))
  let toolChoice = opts.toolChoice === undefined ? undefined : toolChoiceToAnthropic(opts.toolChoice)
  if (toolChoice !== undefined && "error" in toolChoice) return fail(toolChoice.error)
  let structuredOutputTool: string | undefined
  const schema = opts.responseFormat === undefined ? undefined : structuredSchema(opts.responseFormat)
  if (schema !== undefined) {
    if (options.nativeStructuredOutput === true && schema.native) body.output_config = { format: { type: "json_schema", schema: schema.schema } }
    else {
      if (toolChoice !== undefined && toolChoice.type !== "auto") return fail(unsupportedByProvider("response_format", "With this model, response_format is carried by a forced tool and cannot be combined with tool_choice."))
      structuredOutputTool = options.structuredOutputToolName ?? "json"
      if (tools.some((tool) => tool.name === structuredOutputTool)) return fail(unsupportedByProvider("tools", `A tool named '${structuredOutputTool}' collides with the tool that carries response_format.`))
      tools.push({ name: structuredOutputTool, description: "Respond with a JSON object.", input_schema: schema.schema })
      toolChoice = { type: "tool", name: structuredOutputTool }
    }
  }
  if (opts.parallelToolCalls === false && tools.length > 0) {
    const choice = toolChoice ?? { type: "auto" }
    if (choice.type !== "none") toolChoice = { ...choice, disable_parallel_tool_use: true }
  }
  if (tools.length > 0) body.tools = tools
  if (toolChoice !== undefined) body.tool_choice = toolChoice
  if (opts.reasoningEffort !== undefined) {
    if (opts.reasoningEffort === "none") body.thinking = { type: "disabled" }
    else {
      const wanted = options.thinkingBudgets?.[opts.reasoningEffort] ?? defaultThinkingBudgets[opts.reasoningEffort]
      // The budget counts inside max_tokens and must stay below it.
      const budget = Math.min(wanted, maxTokens - 1)
      if (budget < MIN_THINKING_BUDGET) return fail(unsupportedByProvider("max_completion_tokens", `Extended thinking needs max_completion_tokens above ${MIN_THINKING_BUDGET}.`))
      body.thinking = { type: "enabled", budget_tokens: budget }
      // The API refuses a forced tool while thinking: say which field did it.
      const forced = body.tool_choice?.type === "any" || body.tool_choice?.type === "tool"
      if (forced) return fail(unsupportedByProvider(structuredOutputTool === undefined ? "tool_choice" : "response_format", "With extended thinking (reasoning_effort), the Anthropic backend cannot force a tool call."))
    }
  }
  return succeed(structuredOutputTool === undefined ? { body } : { body, structuredOutputTool })
}

function toolChoiceToAnthropic(choice: ToolChoice): AnthropicToolChoice | { readonly type: "error"; readonly error: GatewayError } {
  if (choice === "auto") return { type: "auto" }
  if (choice === "none") return { type: "none" }
  if (choice === "required") return { type: "any" }
  if (choice.type === "function") return { type: "tool", name: choice.name }
  return { type: "error", error: unsupportedByProvider("tool_choice", "The Anthropic backend does not support allowed_tools.") }
}

/** The schema structured output must follow; `native` when the client gave a schema (json_object has none, so it always goes through a tool). */
function structuredSchema(format: ResponseFormat): { readonly schema: Readonly<Record<string, unknown>>; readonly native: boolean } | undefined {
  if (format === "text") return undefined
  if (format === "json") return { schema: { type: "object" }, native: false }
  if (!("type" in format)) return { schema: format.schema, native: true }
  switch (format.type) {
    case "text":
      return undefined
    case "json_object":
      return { schema: { type: "object" }, native: false }
    case "json_schema":
      return format.schema === undefined ? { schema: { type: "object" }, native: false } : { schema: format.schema, native: true }
    default: {
      const unreachable: never = format
      return unreachable
    }
  }
}
