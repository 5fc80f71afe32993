import type { ResponsesWire } from "@harper-gateway/translate"

type Item = ResponsesWire.ResponseItem
type Part = ResponsesWire.InputContentPart

/**
 * An input item as it is stored and listed (GET /v1/responses/{id}/input_items): the
 * spec's ItemResource shape, which needs an id and a status on every item and array
 * content on messages. An item the client sent without an id gets one derived from the
 * response id (`<kind>_<response suffix>_in<index>`), so ids are unique wherever
 * response ids are; a client's own id is kept. Assistant turns become output
 * messages (output_text parts with annotations), as OpenAI lists them.
 */
export function toStoredInputItem(item: Item, responseId: string, index: number): Item & { readonly id: string } {
  const id = item.id ?? inputItemId(responseId, item.type ?? "message", index)
  switch (item.type) {
    case undefined:
    case "message": {
      const parts: readonly Part[] = typeof item.content === "string" ? [{ type: item.role === "assistant" ? "output_text" : "input_text", text: item.content }] : item.content
      const content = parts.map((part) => (item.role === "assistant" ? assistantPart(part) : inputPart(part)))
      const phase = item.phase == null ? {} : { phase: item.phase }
      return { id, type: "message", role: item.role, status: item.status ?? "completed", content, ...phase }
    }
    case "function_call":
      return { id, type: "function_call", call_id: item.call_id, name: item.name, arguments: item.arguments, status: item.status ?? "completed" }
    case "function_call_output":
      return { id, type: "function_call_output", call_id: item.call_id, output: item.output, status: item.status ?? "completed", ...(item.name == null ? {} : { name: item.name }) }
    case "reasoning": {
      const extra = { ...(item.content == null ? {} : { content: item.content }), ...(item.encrypted_content == null ? {} : { encrypted_content: item.encrypted_content }) }
      return { id, type: "reasoning", summary: item.summary, status: item.status ?? "completed", ...extra }
    }
    default: {
      const unreachable: never = item
      return unreachable
    }
  }
}

const prefixes = { message: "msg", function_call: "fc", function_call_output: "fco", reasoning: "rs" } as const

function inputItemId(responseId: string, type: keyof typeof prefixes, index: number): string {
  const suffix = responseId.startsWith("resp_") ? responseId.slice("resp_".length) : responseId
  return `${prefixes[type]}_${suffix}_in${index}`
}

/** What a user, system or developer message keeps: the spec's input content (the prompt-caching hint is not stored). */
function inputPart(part: Part): Part {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "input_text", text: part.text }
    case "input_image": {
      // The spec requires `detail`; OpenAI's default is auto.
      const { prompt_cache_breakpoint: _dropped, ...rest } = part
      return { ...rest, detail: part.detail ?? "auto" }
    }
    case "input_file": {
      const { prompt_cache_breakpoint: _dropped, ...rest } = part
      return rest
    }
    case "refusal":
      return part
    default: {
      const unreachable: never = part
      return unreachable
    }
  }
}

function assistantPart(part: Part): Part {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "output_text", text: part.text, annotations: "annotations" in part ? (part.annotations ?? []) : [], logprobs: "logprobs" in part ? (part.logprobs ?? []) : [] }
    case "refusal":
    case "input_image":
    case "input_file":
      return part
    default: {
      const unreachable: never = part
      return unreachable
    }
  }
}
