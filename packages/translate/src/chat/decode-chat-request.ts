import { Result, Schema } from "effect"
import type { GatewayError } from "../errors/gateway-error.ts"
import { invalidRequest } from "../errors/gateway-error.ts"
import type * as Model from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import * as Wire from "../wire/chat-request.ts"
import { schemaIssueToError } from "../wire/schema-issue-to-error.ts"
import { splitRequestFields } from "../wire/split-request-fields.ts"
import type { ChatCall } from "./chat-call.ts"
import { dispositionOf } from "./field-dispositions.ts"
import { messagesFromOpenAI } from "./message-from-openai.ts"
import { responseFormatFromOpenAI } from "./map-response-format.ts"
import { toolChoiceFromOpenAI } from "./map-tool-choice.ts"
import { toolFromOpenAI } from "./map-tool.ts"

const decodeModelled = Schema.decodeUnknownResult(Wire.ChatRequest)
const modelledFields: ReadonlySet<string> = new Set(Object.keys(Wire.ChatRequestFields))
/** Every failure, not only the first: the count picks which union member a value was meant to be (schemaIssueToError). */
const strict = { errors: "all", onExcessProperty: "error" } as const

/**
 * An OpenAI chat request body (already JSON-parsed) to a ChatCall, validating every
 * field per the disposition table. A refusal is a 400 whose `param` names the first
 * failing path, e.g. `messages[2].content`.
 */
export function decodeChatRequest(body: unknown): Outcome<ChatCall> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail(invalidRequest("The request body must be a JSON object.", null, "invalid_body"))
  }
  const split = splitRequestFields(body, modelledFields, dispositionOf)
  if (!split.ok) return split
  const unsupported = findUnsupportedTool(body) ?? findUnknownRole(body)
  if (unsupported !== undefined) return fail(unsupported)
  const decoded = decodeModelled(split.value.modelled, strict)
  if (Result.isFailure(decoded)) return fail(schemaIssueToError(decoded.failure.issue, [], split.value.modelled))
  const request = decoded.success
  const refused = checkRestrictedValues(request) ?? checkToolChoice(request)
  if (refused !== undefined) return fail(refused)
  return succeed(toChatCall(request, split.value.passthrough))
}

/** Custom (grammar) tools are an OpenAI type we cannot carry: say so rather than a schema mismatch. */
function findUnsupportedTool(body: object): GatewayError | undefined {
  const tools: unknown = "tools" in body ? body.tools : undefined
  if (!Array.isArray(tools)) return undefined
  for (const [index, tool] of tools.entries()) {
    if (typeof tool === "object" && tool !== null && "type" in tool && tool.type !== "function") {
      return invalidRequest(`Only function tools are supported; tools[${index}] has type ${JSON.stringify(tool.type)}.`, `tools[${index}].type`, "unsupported_value")
    }
  }
  return undefined
}

const knownRoles: ReadonlySet<unknown> = new Set(Wire.messageRoles)

/** A message whose role is missing or unknown: name its `role`, since no member of the message union applies. */
function findUnknownRole(body: object): GatewayError | undefined {
  const messages: unknown = "messages" in body ? body.messages : undefined
  if (!Array.isArray(messages)) return undefined
  for (const [index, message] of messages.entries()) {
    if (typeof message !== "object" || message === null) continue
    const role: unknown = "role" in message ? message.role : undefined
    if (role === undefined) return invalidRequest(`Missing required parameter: 'messages[${index}].role'.`, `messages[${index}].role`, "missing_required_parameter")
    if (!knownRoles.has(role)) {
      return invalidRequest(`Invalid value for 'messages[${index}].role': expected one of ${Wire.messageRoles.join(", ")}.`, `messages[${index}].role`, "invalid_value")
    }
  }
  return undefined
}

function checkRestrictedValues(request: Wire.ChatRequest): GatewayError | undefined {
  for (const field of ["modalities"] as const) {
    const value = request[field]
    if (value === undefined || value === null) continue
    const disposition = dispositionOf(field)
    if (disposition?.kind !== "supported" || disposition.only === undefined) continue
    if (!disposition.only.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
      return invalidRequest(disposition.onlyMessage ?? `Unsupported value for '${field}'.`, field, "unsupported_value")
    }
  }
  if (request.stream_options?.include_obfuscation === true) {
    return invalidRequest("stream_options.include_obfuscation is not supported: the gateway re-encodes chunks and adds no obfuscation padding.", "stream_options.include_obfuscation", "unsupported_value")
  }
  return undefined
}

function checkToolChoice(request: Wire.ChatRequest): GatewayError | undefined {
  const choice = request.tool_choice
  if (choice === undefined || choice === "none" || choice === "auto") return undefined
  const tools = request.tools ?? []
  if (tools.length === 0) return invalidRequest("tool_choice requires tools to be specified.", "tool_choice")
  if (typeof choice === "string") return undefined
  const known = (name: unknown) => tools.some((tool) => tool.function.name === name)
  if (choice.type === "function") {
    if (known(choice.function.name)) return undefined
    return invalidRequest(`tool_choice names the function '${choice.function.name}', which is not in tools.`, "tool_choice.function.name")
  }
  for (const [index, allowed] of choice.allowed_tools.tools.entries()) {
    const fn = allowed["function"]
    const name = typeof fn === "object" && fn !== null && "name" in fn ? fn.name : undefined
    if (allowed["type"] === "function" && !known(name)) {
      return invalidRequest(`tool_choice allows the function ${JSON.stringify(name)}, which is not in tools.`, `tool_choice.allowed_tools.tools[${index}].function.name`)
    }
  }
  return undefined
}

type MutableOpts = { -readonly [K in keyof Model.GenerateOpts]: Model.GenerateOpts[K] }

function toChatCall(request: Wire.ChatRequest, passthrough: Record<string, unknown>): ChatCall {
  const opts: MutableOpts = {}
  if (request.temperature != null) opts.temperature = request.temperature
  if (request.top_p != null) opts.topP = request.top_p
  if (request.max_tokens != null) opts.maxTokens = request.max_tokens
  if (request.max_completion_tokens != null) opts.maxCompletionTokens = request.max_completion_tokens
  if (request.stop != null) opts.stop = request.stop
  if (request.seed != null) opts.seed = request.seed
  if (request.presence_penalty != null) opts.presencePenalty = request.presence_penalty
  if (request.frequency_penalty != null) opts.frequencyPenalty = request.frequency_penalty
  if (request.user !== undefined) opts.user = request.user
  if (request.metadata != null) opts.metadata = request.metadata
  if (request.reasoning_effort != null) opts.reasoningEffort = request.reasoning_effort
  if (request.tool_choice !== undefined) opts.toolChoice = toolChoiceFromOpenAI(request.tool_choice)
  if (request.parallel_tool_calls !== undefined) opts.parallelToolCalls = request.parallel_tool_calls
  if (request.response_format !== undefined) opts.responseFormat = responseFormatFromOpenAI(request.response_format)
  if (request.n != null) opts.n = request.n
  if (request.logprobs != null) opts.logprobs = request.logprobs
  if (request.top_logprobs != null) opts.topLogprobs = request.top_logprobs
  if (Object.keys(passthrough).length > 0) opts.passthrough = passthrough

  const messages = messagesFromOpenAI(request.messages)
  const input: Model.Conversation = request.tools === undefined ? { messages } : { messages, tools: request.tools.map(toolFromOpenAI) }
  return {
    input,
    opts: { ...opts, model: request.model },
    stream: request.stream === true,
    includeUsage: request.stream === true && request.stream_options?.include_usage === true,
  }
}
