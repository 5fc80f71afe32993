import type { GatewayError } from "../errors/gateway-error.ts"
import { invalidRequest } from "../errors/gateway-error.ts"
import type * as Model from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import type * as Wire from "../wire/responses-request.ts"
import { isReference } from "./decode-input-item.ts"
import type { ResponsesCall } from "./responses-call.ts"

/**
 * What storage gave for a request: the caller (the Harper layer) fetched it, scoped to
 * the tenant, before calling `buildResponsesConversation`; nothing here does IO.
 */
export interface ResponsesHistory {
  /**
   * The chain named by `previous_response_id`, oldest first: for each response, its
   * input items (references already resolved when it was stored) then its output items.
   * Earlier instructions are not in it: the spec does not carry them over.
   */
  readonly previousItems?: readonly Wire.ResponseItem[]
  /** The items the input's `item_reference`s name (see `referencedItemIds`), by id. */
  readonly referenced?: ReadonlyMap<string, Wire.ResponseItem>
}

/** The ids the input's item references name, in order, without repeats: what the caller must fetch. */
export function referencedItemIds(input: readonly Wire.InputItem[]): readonly string[] {
  return [...new Set(input.filter(isReference).map((item) => item.id))]
}

/**
 * The input with each reference replaced by the stored item it names (what to store as
 * this response's input items). A reference to an item storage did not give is a 404
 * naming `input[i].id`, as OpenAI answers.
 */
export function resolveItemReferences(input: readonly Wire.InputItem[], referenced: ReadonlyMap<string, Wire.ResponseItem>): Outcome<readonly Wire.ResponseItem[]> {
  const out: Wire.ResponseItem[] = []
  for (const [index, item] of input.entries()) {
    if (!isReference(item)) {
      out.push(item)
      continue
    }
    const found = referenced.get(item.id)
    if (found === undefined) return fail({ _tag: "InvalidRequest", message: `Item with id '${item.id}' not found.`, param: `input[${index}].id`, code: null, status: 404 })
    out.push(found)
  }
  return succeed(out)
}

/**
 * A request's conversation: instructions (as a system message: every backend knows
 * that role), then the previous chain's items, then the input with references
 * resolved; the request's function tools. Function calls join the assistant turn
 * right before them, as chat's `tool_calls` do; function outputs become tool
 * messages; reasoning items are dropped (chat has no field that carries them back).
 */
export function buildResponsesConversation(call: Pick<ResponsesCall, "input" | "instructions" | "tools">, history: ResponsesHistory = {}): Outcome<Model.Conversation> {
  const resolved = resolveItemReferences(call.input, history.referenced ?? new Map())
  if (!resolved.ok) return resolved
  const messages: Model.Message[] = []
  if (call.instructions !== undefined) messages.push({ role: "system", content: call.instructions })
  const previous = appendItems(messages, history.previousItems ?? [], () => "previous_response_id")
  if (previous !== undefined) return fail(previous)
  const current = appendItems(messages, resolved.value, (index, rest) => `input[${index}]${rest}`)
  if (current !== undefined) return fail(current)
  return succeed(call.tools.length === 0 ? { messages } : { messages, tools: call.tools })
}

type Where = (index: number, rest: string) => string

function appendItems(messages: Model.Message[], items: readonly Wire.ResponseItem[], where: Where): GatewayError | undefined {
  for (const [index, item] of items.entries()) {
    const at = (rest: string) => where(index, rest)
    switch (item.type) {
      case undefined:
      case "message": {
        const message = messageFromItem(item, at)
        if ("_tag" in message) return message
        messages.push(message)
        continue
      }
      case "function_call": {
        const call: Model.ToolCall = { id: item.call_id, name: item.name, arguments: item.arguments }
        const last = messages[messages.length - 1]
        if (last?.role === "assistant") messages[messages.length - 1] = { ...last, toolCalls: [...(last.toolCalls ?? []), call] }
        else messages.push({ role: "assistant", content: null, toolCalls: [call] })
        continue
      }
      case "function_call_output": {
        const content = toolOutput(item.output, at)
        if (!Array.isArray(content) && typeof content !== "string") return content
        messages.push({ role: "tool", toolCallId: item.call_id, content })
        continue
      }
      case "reasoning":
        continue
      default: {
        const unreachable: never = item
        return unreachable
      }
    }
  }
  return undefined
}

function messageFromItem(item: Wire.InputMessageItem, at: (rest: string) => string): Model.Message | GatewayError {
  const text = typeof item.content === "string" ? item.content : undefined
  const parts = typeof item.content === "string" ? undefined : item.content
  switch (item.role) {
    case "system":
    case "developer": {
      if (text !== undefined || parts === undefined) return { role: item.role, content: text ?? "" }
      const texts: Model.TextPart[] = []
      for (const [j, part] of parts.entries()) {
        if (part.type !== "input_text" && part.type !== "output_text") return unsupportedPart(part.type, at(`.content[${j}].type`), `${item.role} messages take text only`)
        texts.push({ type: "text", text: part.text })
      }
      return { role: item.role, content: texts }
    }
    case "user": {
      if (text !== undefined || parts === undefined) return { role: "user", content: text ?? "" }
      const out: Model.UserContentPart[] = []
      for (const [j, part] of parts.entries()) {
        const mapped = userPart(part, (rest) => at(`.content[${j}]${rest}`))
        if ("_tag" in mapped) return mapped
        out.push(mapped)
      }
      return { role: "user", content: out }
    }
    case "assistant": {
      if (text !== undefined || parts === undefined) return { role: "assistant", content: text ?? "" }
      const out: Model.AssistantContentPart[] = []
      for (const [j, part] of parts.entries()) {
        if (part.type === "input_text" || part.type === "output_text") out.push({ type: "text", text: part.text })
        else if (part.type === "refusal") out.push({ type: "refusal", refusal: part.refusal })
        else return unsupportedPart(part.type, at(`.content[${j}].type`), "assistant messages take text and refusals only")
      }
      return { role: "assistant", content: out.length === 0 ? null : out }
    }
    default: {
      const unreachable: never = item.role
      return unreachable
    }
  }
}

function userPart(part: Wire.InputContentPart, at: (rest: string) => string): Model.UserContentPart | GatewayError {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: part.text }
    case "input_image": {
      if (part.image_url == null) return invalidRequest("Images by file_id are not supported by this gateway (it has no files API): send image_url.", at(".image_url"), "unsupported_value")
      // Chat has no `original` detail: `high` is the nearest it knows.
      const detail = part.detail === undefined ? undefined : part.detail === "original" ? "high" : part.detail
      return detail === undefined ? { type: "image", url: part.image_url } : { type: "image", url: part.image_url, detail }
    }
    case "input_file": {
      if (part.file_url !== undefined) return invalidRequest("Files by file_url are not supported by this gateway: send file_data.", at(".file_url"), "unsupported_value")
      let file: Model.FilePart = { type: "file" }
      if (part.filename !== undefined) file = { ...file, filename: part.filename }
      if (part.file_data !== undefined) file = { ...file, fileData: part.file_data }
      if (part.file_id != null) file = { ...file, fileId: part.file_id }
      return file
    }
    case "refusal":
      return unsupportedPart(part.type, at(".type"), "user messages cannot carry refusals")
    default: {
      const unreachable: never = part
      return unreachable
    }
  }
}

function toolOutput(output: Wire.FunctionCallOutputItem["output"], at: (rest: string) => string): string | Model.TextPart[] | GatewayError {
  if (typeof output === "string") return output
  const texts: Model.TextPart[] = []
  for (const [j, part] of output.entries()) {
    if (part.type !== "input_text") return unsupportedPart(part.type, at(`.output[${j}].type`), "tool outputs reach chat backends as text only")
    texts.push({ type: "text", text: part.text })
  }
  return texts
}

function unsupportedPart(type: string, param: string, why: string): GatewayError {
  return invalidRequest(`Content of type ${JSON.stringify(type)} is not supported here: ${why}.`, param, "unsupported_value")
}
