import type * as Wire from "../wire/chat-request.ts"
import type * as Model from "../model/types.ts"

/**
 * How parts are written: a prompt-caching breakpoint (`cacheControl`) is no OpenAI field, so it is
 * sent (as `cache_control`, as the client wrote it) only when the model's config forwards it.
 */
export interface PartEncoding {
  readonly cacheControl: boolean
}

function withCacheControl<P extends object>(part: P, cacheControl: Model.CacheControl | undefined, encoding: PartEncoding): P {
  return encoding.cacheControl && cacheControl !== undefined ? { ...part, cache_control: cacheControl } : part
}

function textContentToOpenAI(content: string | readonly Model.TextPart[], encoding: PartEncoding): string | readonly Wire.TextPart[] {
  return typeof content === "string" ? content : content.map((part) => withCacheControl({ type: "text", text: part.text }, part.cacheControl, encoding))
}

function assistantPartToOpenAI(part: Model.AssistantContentPart, encoding: PartEncoding): Wire.AssistantContentPart {
  return part.type === "text" ? withCacheControl({ type: "text", text: part.text }, part.cacheControl, encoding) : { type: "refusal", refusal: part.refusal }
}

/** The internal Message as an OpenAI request message (what an OpenAI-compatible backend sends). */
export function messageToOpenAI(message: Model.Message, encoding: PartEncoding): Wire.ChatMessage {
  switch (message.role) {
    case "system":
    case "developer":
      return withName({ role: message.role, content: textContentToOpenAI(message.content, encoding) }, message.name)
    case "user":
      return withName({ role: "user", content: typeof message.content === "string" ? message.content : message.content.map((part) => userPartToOpenAI(part, encoding)) }, message.name)
    case "assistant": {
      const content = message.content === null || typeof message.content === "string" ? message.content : message.content.map((part) => assistantPartToOpenAI(part, encoding))
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
      return withName({ role: "tool", content: textContentToOpenAI(message.content, encoding), tool_call_id: message.toolCallId }, message.name)
    default: {
      const unreachable: never = message
      return unreachable
    }
  }
}

export function userPartToOpenAI(part: Model.UserContentPart, encoding: PartEncoding): Wire.UserContentPart {
  switch (part.type) {
    case "text":
      return withCacheControl({ type: "text", text: part.text }, part.cacheControl, encoding)
    case "image":
      return withCacheControl(part.detail === undefined ? { type: "image_url", image_url: { url: part.url } } : { type: "image_url", image_url: { url: part.url, detail: part.detail } }, part.cacheControl, encoding)
    case "audio":
      return { type: "input_audio", input_audio: { data: part.data, format: part.format } }
    case "file": {
      let file: { filename?: string; file_data?: string; file_id?: string } = {}
      if (part.filename !== undefined) file = { ...file, filename: part.filename }
      if (part.fileData !== undefined) file = { ...file, file_data: part.fileData }
      if (part.fileId !== undefined) file = { ...file, file_id: part.fileId }
      return withCacheControl({ type: "file", file }, part.cacheControl, encoding)
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
