import type * as Wire from "../wire/chat-request.ts"
import type * as Model from "../model/types.ts"

/** One OpenAI request message to the internal Message. Lossless: see message-to-openai.ts. */
export function messageFromOpenAI(message: Wire.ChatMessage): Model.Message {
  switch (message.role) {
    case "system":
    case "developer":
      return withName({ role: message.role, content: message.content }, message.name)
    case "user":
      return withName(
        { role: "user", content: typeof message.content === "string" ? message.content : message.content.map(userPartFromOpenAI) },
        message.name,
      )
    case "assistant":
      return assistantFromOpenAI(message)
    case "tool":
      return withName({ role: "tool", content: message.content, toolCallId: message.tool_call_id }, message.name)
    default: {
      const unreachable: never = message
      return unreachable
    }
  }
}

function assistantFromOpenAI(message: Wire.AssistantMessage): Model.AssistantMessage {
  const content = message.content ?? null
  let out: Model.AssistantMessage = { role: "assistant", content }
  if (message.name !== undefined) out = { ...out, name: message.name }
  if (message.refusal !== undefined) out = { ...out, refusal: message.refusal }
  if (message.tool_calls !== undefined) {
    out = {
      ...out,
      toolCalls: message.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
    }
  }
  return out
}

export function userPartFromOpenAI(part: Wire.UserContentPart): Model.UserContentPart {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text }
    case "image_url":
      return part.image_url.detail === undefined
        ? { type: "image", url: part.image_url.url }
        : { type: "image", url: part.image_url.url, detail: part.image_url.detail }
    case "input_audio":
      return { type: "audio", data: part.input_audio.data, format: part.input_audio.format }
    case "file": {
      let file: Model.FilePart = { type: "file" }
      if (part.file.filename !== undefined) file = { ...file, filename: part.file.filename }
      if (part.file.file_data !== undefined) file = { ...file, fileData: part.file.file_data }
      if (part.file.file_id !== undefined) file = { ...file, fileId: part.file.file_id }
      return file
    }
    default: {
      const unreachable: never = part
      return unreachable
    }
  }
}

function withName<M extends Model.SystemMessage | Model.UserMessage | Model.ToolMessage>(message: M, name: string | undefined): M {
  return name === undefined ? message : { ...message, name }
}
