import type { AssistantMessage, CacheControl, Message, TextPart, UserContentPart } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import type { AnthropicAssistantBlock, AnthropicMessage, AnthropicTextBlock, AnthropicUserBlock } from "./wire.ts"
import { toolArgumentsObject, unsupportedByProvider } from "../wire/json-object.ts"

export interface AnthropicConversation {
  readonly system: readonly AnthropicTextBlock[]
  readonly messages: readonly AnthropicMessage[]
}

/**
 * Internal messages as Anthropic's: system and developer messages become the top-level
 * `system` (the API has no system turn); tool results become `tool_result` blocks of a
 * user turn; consecutive turns of one role are joined into one, so parallel tool
 * results travel together as the API requires; an assistant's signed thinking goes
 * back first, as it came. What Anthropic cannot take (audio, OpenAI file ids, tool
 * arguments that are not a JSON object) is a 400 naming the field.
 */
export function messagesToAnthropic(messages: readonly Message[]): Outcome<AnthropicConversation> {
  const tooMany = fifthBreakpoint(messages)
  if (tooMany !== undefined) return fail(unsupportedByProvider(tooMany, `The Messages API takes at most ${MAX_CACHE_BREAKPOINTS} cache_control breakpoints a request.`))
  const system: AnthropicTextBlock[] = []
  const turns: AnthropicMessage[] = []
  const push = (turn: AnthropicMessage) => {
    const last = turns[turns.length - 1]
    if (last !== undefined && last.role === "user" && turn.role === "user") turns[turns.length - 1] = { role: "user", content: [...last.content, ...turn.content] }
    else if (last !== undefined && last.role === "assistant" && turn.role === "assistant") turns[turns.length - 1] = { role: "assistant", content: [...last.content, ...turn.content] }
    else turns.push(turn)
  }
  for (const [i, message] of messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textBlocks(message.content))
        break
      case "user": {
        const content: AnthropicUserBlock[] = []
        if (typeof message.content === "string") content.push({ type: "text", text: message.content })
        else {
          for (const [j, part] of message.content.entries()) {
            const block = userPartToAnthropic(part, `messages[${i}].content[${j}]`)
            if (!block.ok) return block
            content.push(block.value)
          }
        }
        push({ role: "user", content })
        break
      }
      case "assistant": {
        const content = assistantToAnthropic(message, i)
        if (!content.ok) return content
        push({ role: "assistant", content: content.value })
        break
      }
      case "tool":
        push({ role: "user", content: [{ type: "tool_result", tool_use_id: message.toolCallId, content: typeof message.content === "string" ? message.content : textBlocks(message.content) }] })
        break
      default: {
        const unreachable: never = message
        return unreachable
      }
    }
  }
  return succeed({ system, messages: turns })
}

const MAX_CACHE_BREAKPOINTS = 4

/** Where the first breakpoint past the API's limit is (`messages[i].content[j].cache_control`), if there is one. */
function fifthBreakpoint(messages: readonly Message[]): string | undefined {
  let seen = 0
  for (const [i, message] of messages.entries()) {
    if (message.content === null || typeof message.content === "string") continue
    for (const [j, part] of message.content.entries()) {
      if (part.type === "audio" || part.type === "refusal" || part.cacheControl === undefined) continue
      if (++seen > MAX_CACHE_BREAKPOINTS) return `messages[${i}].content[${j}].cache_control`
    }
  }
  return undefined
}

function textBlocks(content: string | readonly TextPart[]): AnthropicTextBlock[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content.map((part) => cached({ type: "text", text: part.text }, part.cacheControl))
}

/** A block with the client's prompt-caching breakpoint (`cache_control` on the part it came from; the decoder built it field by field). */
function cached<B extends AnthropicUserBlock>(block: B, cacheControl: CacheControl | undefined): B {
  return cacheControl === undefined ? block : { ...block, cache_control: cacheControl }
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s

function userPartToAnthropic(part: UserContentPart, param: string): Outcome<AnthropicUserBlock> {
  const block = userBlockOf(part, param)
  return block.ok && part.type !== "audio" ? succeed(cached(block.value, part.cacheControl)) : block
}

function userBlockOf(part: UserContentPart, param: string): Outcome<AnthropicUserBlock> {
  switch (part.type) {
    case "text":
      return succeed({ type: "text", text: part.text })
    case "image": {
      // `detail` has no Anthropic counterpart: the model sees the image at its own resolution.
      const data = DATA_URL.exec(part.url)
      if (data !== null) return succeed({ type: "image", source: { type: "base64", media_type: data[1] ?? "", data: data[2] ?? "" } })
      if (/^https?:\/\//i.test(part.url)) return succeed({ type: "image", source: { type: "url", url: part.url } })
      return fail(unsupportedByProvider(`${param}.image_url.url`, "An image must be a base64 data URL or an http(s) URL."))
    }
    case "audio":
      return fail(unsupportedByProvider(param, "The Anthropic backend does not accept audio input."))
    case "file": {
      if (part.fileData === undefined) return fail(unsupportedByProvider(`${param}.file.file_id`, "The Anthropic backend takes files as file_data (a base64 data URL), not by OpenAI file id."))
      const data = DATA_URL.exec(part.fileData)
      if (data === null) return fail(unsupportedByProvider(`${param}.file.file_data`, "file_data must be a base64 data URL (data:<media type>;base64,…)."))
      const mediaType = data[1] ?? ""
      if (mediaType.startsWith("image/")) return succeed({ type: "image", source: { type: "base64", media_type: mediaType, data: data[2] ?? "" } })
      if (mediaType !== "application/pdf") return fail(unsupportedByProvider(`${param}.file.file_data`, `The Anthropic backend takes PDF documents and images, not ${mediaType}.`))
      const source = { type: "base64" as const, media_type: mediaType, data: data[2] ?? "" }
      return succeed(part.filename === undefined ? { type: "document", source } : { type: "document", source, title: part.filename })
    }
    default: {
      const unreachable: never = part
      return unreachable
    }
  }
}

function assistantToAnthropic(message: AssistantMessage, i: number): Outcome<AnthropicAssistantBlock[]> {
  const blocks: AnthropicAssistantBlock[] = []
  for (const block of message.thinkingBlocks ?? []) blocks.push(block.type === "thinking" ? { type: "thinking", thinking: block.thinking, signature: block.signature } : { type: "redacted_thinking", data: block.data })
  if (typeof message.content === "string") {
    if (message.content !== "") blocks.push({ type: "text", text: message.content })
  } else {
    for (const part of message.content ?? []) {
      if (part.type === "text" && part.text !== "") blocks.push(cached({ type: "text", text: part.text }, part.cacheControl))
      else if (part.type === "refusal" && part.refusal !== "") blocks.push({ type: "text", text: part.refusal })
    }
  }
  for (const [j, call] of (message.toolCalls ?? []).entries()) {
    const input = toolArgumentsObject(call.arguments)
    if (input === undefined) return fail(unsupportedByProvider(`messages[${i}].tool_calls[${j}].function.arguments`, "Tool call arguments must be a JSON object for the Anthropic backend."))
    blocks.push({ type: "tool_use", id: call.id, name: call.name, input })
  }
  return succeed(blocks)
}
