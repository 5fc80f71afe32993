import type * as Wire from "../wire/chat-request.ts"
import type * as Model from "../model/types.ts"

/** Parts rebuilt field by field: a prompt-caching breakpoint (`cacheControl`) is not an OpenAI field and is not sent. */
function textContentToOpenAI(content: string | readonly Model.TextPart[]): string | readonly Wire.TextPart[] {
  return typeof content === "string" ? content : content.map((part) => ({ type: "text", text: part.text }))
}

function assistantPartToOpenAI(part: Model.AssistantContentPart): Wire.AssistantContentPart {
  return part.type === "text" ? { type: "text", text: part.text } : { type: "refusal", refusal: part.refusal }
}

/** The internal Message as an OpenAI request message (what an OpenAI-compatible backend sends). */
export function messageToOpenAI(message: Model.Message): Wire.ChatMessage {
  switch (message.role) {
    case "system":
    case "developer":
      return withName({ role: message.role, content: textContentToOpenAI(message.content) }, message.name)
    case "user":
      return withName(
        { role: "user", content: typeof message.content === "string" ? message.content : message.content.map(userPartToOpenAI) },
        message.name,
      )
    case "assistant": {
      const content = message.content === null || typeof message.content === "string" ? message.content : message.content.map(assistantPartToOpenAI)
      let out: Wire.AssistantMessage = { role: "assistant", content }
      if (message.name !== undefined) out = { ...out, name: message.name }
      if (message.refusal !== undefined) out = { ...out, refusal: message.refusal }
      if (message.toolCalls !== undefined) {
        out = {
          ...out,
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: "function",
            function: { name: call.name, arguments: call.arguments },
          })),
        }
      }
      if (message.audio !== undefined) out = { ...out, audio: { id: message.audio.id } }
      return out
    }
    case "tool":
      return withName({ role: "tool", content: textContentToOpenAI(message.content), tool_call_id: message.toolCallId }, message.name)
    default: {
      const unreachable: never = message
      return unreachable
    }
  }
}

export function userPartToOpenAI(part: Model.UserContentPart): Wire.UserContentPart {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text }
    case "image":
      return part.detail === undefined
        ? { type: "image_url", image_url: { url: part.url } }
        : { type: "image_url", image_url: { url: part.url, detail: part.detail } }
    case "audio":
      return { type: "input_audio", input_audio: { data: part.data, format: part.format } }
    case "file": {
      let file: { filename?: string; file_data?: string; file_id?: string } = {}
      if (part.filename !== undefined) file = { ...file, filename: part.filename }
      if (part.fileData !== undefined) file = { ...file, file_data: part.fileData }
      if (part.fileId !== undefined) file = { ...file, file_id: part.fileId }
      return { type: "file", file }
    }
    default: {
      const unreachable: never = part
      return unreachable
    }
  }
}

function withName<M extends { readonly role: string }>(message: M, name: string | undefined): M {
  return name === undefined ? message : { ...message, name }
}
