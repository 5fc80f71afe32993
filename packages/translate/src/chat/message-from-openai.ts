import type * as Wire from "../wire/chat-request.ts"
import type * as Model from "../model/types.ts"
import { thinkingBlocksFromOpenAI } from "./map-thinking-blocks.ts"

/**
 * The request's messages to internal Messages. The deprecated legacy form (an assistant
 * `function_call`, answered by a `role: "function"` message) becomes a tool call with a
 * deterministic id (`call_legacy_<message position>`) and the tool message answering it.
 */
export function messagesFromOpenAI(messages: readonly Wire.ChatMessage[]): Model.Message[] {
  let legacyCallId: string | undefined
  return messages.map((message, position) => {
    if (message.role === "assistant" && message.function_call != null) legacyCallId = `call_legacy_${position}`
    if (message.role === "function") {
      return { role: "tool", content: message.content ?? "", toolCallId: legacyCallId ?? `call_legacy_${position}`, name: message.name }
    }
    return messageFromOpenAI(message, `call_legacy_${position}`)
  })
}

/** One OpenAI request message to the internal Message. Lossless for the current forms: see message-to-openai.ts. */
export function messageFromOpenAI(message: Exclude<Wire.ChatMessage, Wire.FunctionMessage>, legacyCallId = "call_legacy"): Model.Message {
  switch (message.role) {
    case "system":
    case "developer":
      return withName({ role: message.role, content: textContentFromOpenAI(message.content) }, message.name)
    case "user":
      return withName({ role: "user", content: typeof message.content === "string" ? message.content : message.content.map(userPartFromOpenAI) }, message.name)
    case "assistant":
      return assistantFromOpenAI(message, legacyCallId)
    case "tool":
      return withName({ role: "tool", content: textContentFromOpenAI(message.content), toolCallId: message.tool_call_id }, message.name)
    default: {
      const unreachable: never = message
      return unreachable
    }
  }
}

/** Text parts rebuilt field by field: only what the internal model has goes further. */
function textContentFromOpenAI(content: string | readonly Wire.TextPart[]): string | readonly Model.TextPart[] {
  return typeof content === "string" ? content : content.map(textPartFromOpenAI)
}

function textPartFromOpenAI(part: Wire.TextPart): Model.TextPart {
  return withCacheControl({ type: "text", text: part.text }, part.cache_control)
}

/** A part with the client's prompt-caching breakpoint, when it set one. */
function withCacheControl<P extends Model.TextPart | Model.ImagePart | Model.FilePart>(part: P, cacheControl: Model.CacheControl | null | undefined): P {
  return cacheControl == null ? part : { ...part, cacheControl: cacheControl.ttl === undefined ? { type: cacheControl.type } : { type: cacheControl.type, ttl: cacheControl.ttl } }
}

function assistantFromOpenAI(message: Wire.AssistantMessage, legacyCallId: string): Model.AssistantMessage {
  const content = message.content ?? null
  let out: Model.AssistantMessage = {
    role: "assistant",
    content: content === null || typeof content === "string" ? content : content.map(assistantPartFromOpenAI),
  }
  if (message.name !== undefined) out = { ...out, name: message.name }
  if (message.refusal !== undefined) out = { ...out, refusal: message.refusal }
  const toolCalls = (message.tool_calls ?? []).map((call): Model.ToolCall => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }))
  if (message.function_call != null) toolCalls.push({ id: legacyCallId, name: message.function_call.name, arguments: message.function_call.arguments })
  if (message.tool_calls !== undefined || toolCalls.length > 0) out = { ...out, toolCalls }
  if (message.audio != null) out = { ...out, audio: { id: message.audio.id } }
  if (message.thinking_blocks != null && message.thinking_blocks.length > 0) out = { ...out, thinkingBlocks: thinkingBlocksFromOpenAI(message.thinking_blocks) }
  return out
}

function assistantPartFromOpenAI(part: Wire.AssistantContentPart): Model.AssistantContentPart {
  return part.type === "text" ? textPartFromOpenAI(part) : { type: "refusal", refusal: part.refusal }
}

export function userPartFromOpenAI(part: Wire.UserContentPart): Model.UserContentPart {
  switch (part.type) {
    case "text":
      return textPartFromOpenAI(part)
    case "image_url":
      return withCacheControl(part.image_url.detail === undefined ? { type: "image", url: part.image_url.url } : { type: "image", url: part.image_url.url, detail: part.image_url.detail }, part.cache_control)
    case "input_audio":
      return { type: "audio", data: part.input_audio.data, format: part.input_audio.format }
    case "file": {
      let file: Model.FilePart = { type: "file" }
      if (part.file.filename !== undefined) file = { ...file, filename: part.file.filename }
      if (part.file.file_data !== undefined) file = { ...file, fileData: part.file.file_data }
      if (part.file.file_id !== undefined) file = { ...file, fileId: part.file.file_id }
      return withCacheControl(file, part.cache_control)
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
