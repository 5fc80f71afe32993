import { Result, Schema } from "effect"
import type { GatewayError } from "../errors/gateway-error.ts"
import { invalidRequest } from "../errors/gateway-error.ts"
import type * as Model from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import * as Wire from "../wire/responses-request.ts"
import type { ResponseEcho } from "../wire/responses-out.ts"
import { schemaIssueToError } from "../wire/schema-issue-to-error.ts"
import { splitRequestFields } from "../wire/split-request-fields.ts"
import { decodeInputItem } from "./decode-input-item.ts"
import { hostedToolTypes, responsesFieldDisposition } from "./field-dispositions.ts"
import { toolChoiceFromResponses, toolChoiceToResponses } from "./map-responses-tool-choice.ts"
import { toolFromResponses, toolToResponses } from "./map-responses-tool.ts"
import { textFormatFromResponses } from "./map-text-format.ts"
import type { ResponsesCall } from "./responses-call.ts"

const decodeModelled = Schema.decodeUnknownResult(Wire.ResponsesRequest)
const decodeTool = Schema.decodeUnknownResult(Wire.ResponsesFunctionTool)
const modelledFields: ReadonlySet<string> = new Set(Object.keys(Wire.ResponsesRequestFields))
/** Every failure, not only the first: the count picks which union member a value was meant to be (schemaIssueToError). */
const strict = { errors: "all", onExcessProperty: "error" } as const

/**
 * A /v1/responses body (already JSON-parsed) to a ResponsesCall, every field per the
 * disposition table (field-dispositions.ts). A refusal is a 400 whose `param` names
 * the first failing path (`tools[1].type`, `input[3].content[0].text`). Item
 * references and `previous_response_id` are returned unresolved.
 */
export function decodeResponsesRequest(body: unknown): Outcome<ResponsesCall> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail(invalidRequest("The request body must be a JSON object.", null, "invalid_body"))
  }
  const split = splitRequestFields(body, modelledFields, responsesFieldDisposition)
  if (!split.ok) return split
  const decoded = decodeModelled(split.value.modelled, strict)
  if (Result.isFailure(decoded)) return fail(schemaIssueToError(decoded.failure.issue, [], split.value.modelled))
  const request = decoded.success
  const refused = checkRestrictedValues(request)
  if (refused !== undefined) return fail(refused)
  const tools = decodeTools(request.tools ?? [])
  if (!tools.ok) return tools
  const choiceRefused = checkToolChoice(request.tool_choice, tools.value)
  if (choiceRefused !== undefined) return fail(choiceRefused)
  const input = decodeInput(request.input)
  if (!input.ok) return input
  return succeed(toResponsesCall(request, input.value, tools.value, split.value.passthrough))
}

function decodeInput(input: Wire.ResponsesRequest["input"]): Outcome<readonly Wire.InputItem[]> {
  if (input === undefined) return fail(invalidRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter"))
  if (typeof input === "string") return succeed([{ type: "message", role: "user", content: input }])
  const items: Wire.InputItem[] = []
  for (const [index, raw] of input.entries()) {
    const item = decodeInputItem(raw, ["input", index])
    if (!item.ok) return item
    items.push(item.value)
  }
  return succeed(items)
}

function decodeTools(raw: readonly unknown[]): Outcome<readonly Wire.ResponsesFunctionTool[]> {
  const tools: Wire.ResponsesFunctionTool[] = []
  for (const [index, tool] of raw.entries()) {
    const type: unknown = typeof tool === "object" && tool !== null && "type" in tool ? tool.type : undefined
    if (type !== "function") {
      const hosted = typeof type === "string" && hostedToolTypes.has(type)
      return fail(
        invalidRequest(
          hosted ? `The hosted tool ${JSON.stringify(type)} is not supported by this gateway; only function tools are (tools[${index}]).` : `Only function tools are supported; tools[${index}] has type ${JSON.stringify(type)}.`,
          `tools[${index}].type`,
          "unsupported_value",
        ),
      )
    }
    const decoded = decodeTool(tool, strict)
    if (Result.isFailure(decoded)) return fail(schemaIssueToError(decoded.failure.issue, ["tools", index], tool))
    tools.push(decoded.success)
  }
  return succeed(tools)
}

function checkRestrictedValues(request: Wire.ResponsesRequest): GatewayError | undefined {
  for (const field of ["background", "top_logprobs"] as const) {
    const value = request[field]
    if (value === undefined || value === null) continue
    const disposition = responsesFieldDisposition(field)
    if (disposition?.kind !== "supported" || disposition.only === undefined) continue
    if (!disposition.only.includes(value)) return invalidRequest(disposition.onlyMessage ?? `Unsupported value for '${field}'.`, field, "unsupported_value")
  }
  if (request.stream_options?.include_obfuscation === true) {
    return invalidRequest("stream_options.include_obfuscation is not supported: the gateway re-encodes events and adds no obfuscation padding.", "stream_options.include_obfuscation", "unsupported_value")
  }
  if (request.include?.includes("message.output_text.logprobs") === true) {
    return invalidRequest("include: message.output_text.logprobs is not supported by this gateway: logprobs are not returned on /v1/responses.", "include", "unsupported_value")
  }
  return undefined
}

function checkToolChoice(choice: Wire.ResponsesToolChoice | undefined, tools: readonly Wire.ResponsesFunctionTool[]): GatewayError | undefined {
  if (choice === undefined || choice === "none" || choice === "auto") return undefined
  if (tools.length === 0) return invalidRequest("tool_choice requires tools to be specified.", "tool_choice")
  if (typeof choice === "string") return undefined
  const known = (name: unknown) => tools.some((tool) => tool.name === name)
  if (choice.type === "function") {
    return known(choice.name) ? undefined : invalidRequest(`tool_choice names the function '${choice.name}', which is not in tools.`, "tool_choice.name")
  }
  for (const [index, allowed] of choice.tools.entries()) {
    if (allowed["type"] !== "function") {
      return invalidRequest(`tool_choice.allowed_tools may only list function tools; entry ${index} has type ${JSON.stringify(allowed["type"])}.`, `tool_choice.tools[${index}].type`, "unsupported_value")
    }
    if (!known(allowed["name"])) return invalidRequest(`tool_choice allows the function ${JSON.stringify(allowed["name"])}, which is not in tools.`, `tool_choice.tools[${index}].name`)
  }
  return undefined
}

type MutableOpts = { -readonly [K in keyof Model.GenerateOpts]: Model.GenerateOpts[K] }

function toResponsesCall(request: Wire.ResponsesRequest, input: readonly Wire.InputItem[], wireTools: readonly Wire.ResponsesFunctionTool[], extra: Record<string, unknown>): ResponsesCall {
  const opts: MutableOpts = {}
  const passthrough: Record<string, unknown> = { ...extra }
  if (request.temperature != null) opts.temperature = request.temperature
  if (request.top_p != null) opts.topP = request.top_p
  if (request.max_output_tokens != null) opts.maxCompletionTokens = request.max_output_tokens
  if (request.parallel_tool_calls != null) opts.parallelToolCalls = request.parallel_tool_calls
  if (request.reasoning?.effort != null) opts.reasoningEffort = request.reasoning.effort
  if (request.metadata != null) opts.metadata = request.metadata
  if (request.user !== undefined) opts.user = request.user
  if (request.tool_choice !== undefined) opts.toolChoice = toolChoiceFromResponses(request.tool_choice)
  if (request.text?.format !== undefined) opts.responseFormat = textFormatFromResponses(request.text.format)
  // chat's top-level `verbosity` is the same setting.
  if (request.text?.verbosity != null) passthrough["verbosity"] = request.text.verbosity
  if (Object.keys(passthrough).length > 0) opts.passthrough = passthrough

  const tools = wireTools.map(toolFromResponses)
  const summary = request.reasoning?.summary ?? request.reasoning?.generate_summary ?? null
  const text: ResponseEcho["text"] = request.text?.verbosity != null ? { format: request.text.format ?? { type: "text" }, verbosity: request.text.verbosity } : { format: request.text?.format ?? { type: "text" } }
  const stringOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null)
  const echo: ResponseEcho = {
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary },
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    top_p: request.top_p ?? 1,
    text,
    tool_choice: request.tool_choice === undefined ? "auto" : toolChoiceToResponses(toolChoiceFromResponses(request.tool_choice)),
    tools: tools.map(toolToResponses),
    truncation: request.truncation ?? "disabled",
    metadata: request.metadata ?? {},
    safety_identifier: stringOrNull(passthrough["safety_identifier"]),
    prompt_cache_key: stringOrNull(passthrough["prompt_cache_key"]),
    background: false,
    max_tool_calls: null,
    top_logprobs: 0,
  }
  const echoed: ResponseEcho = request.user === undefined ? echo : { ...echo, user: request.user }
  return {
    input,
    instructions: request.instructions ?? undefined,
    tools,
    opts: { ...opts, model: request.model },
    stream: request.stream === true,
    store: request.store ?? true,
    previousResponseId: request.previous_response_id ?? undefined,
    truncation: request.truncation ?? "disabled",
    reasoningOutput: summary === null ? "text" : "summary",
    echo: echoed,
  }
}
