import type { AssistantMessage, Message, TextPart, UserContentPart } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import type { GeminiContent, GeminiPart } from "./wire.ts"
import { jsonObjectOf, toolArgumentsObject, unsupportedByProvider } from "../wire/json-object.ts"

export interface GeminiConversation {
  readonly systemInstruction: readonly { readonly text: string }[]
  readonly contents: readonly GeminiContent[]
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s

/**
 * Google's documented sentinel (ai.google.dev/gemini-api/docs/thought-signatures) for a
 * replayed function call whose signature was lost: Gemini 3 refuses such a turn with a
 * 400 otherwise. OpenAI clients never see signatures, so histories they send have none.
 */
export const GEMINI_SKIP_SIGNATURE_VALIDATOR = "skip_thought_signature_validator"

export interface GeminiContentsOptions {
  /** Signature for the first call of a model turn whose calls carry none (e.g. GEMINI_SKIP_SIGNATURE_VALIDATOR); absent: sent unsigned. */
  readonly unsignedToolCallSignature?: string
}

/**
 * Internal messages as Gemini contents: system and developer messages become the
 * systemInstruction; assistant turns are `model` contents with their text (signed when
 * the model signed it) and functionCall parts (each with the thoughtSignature the model gave it); tool results are functionResponse parts
 * of a `user` content, named after the call they answer (Gemini matches by name);
 * consecutive contents of one role are joined. Images, audio and files go inline as
 * base64; what Gemini cannot take (URLs it cannot fetch, OpenAI file ids, arguments that
 * are not a JSON object) is a 400 naming the field.
 */
export function contentsToGemini(messages: readonly Message[], options: GeminiContentsOptions = {}): Outcome<GeminiConversation> {
  const systemInstruction: { text: string }[] = []
  const contents: GeminiContent[] = []
  const namesById = new Map<string, string>()
  const push = (content: GeminiContent) => {
    const last = contents[contents.length - 1]
    if (last !== undefined && last.role === content.role) contents[contents.length - 1] = { role: last.role, parts: [...last.parts, ...content.parts] }
    else contents.push(content)
  }
  for (const [i, message] of messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer":
        systemInstruction.push(...texts(message.content).map((text) => ({ text })))
        break
      case "user": {
        if (typeof message.content === "string") {
          push({ role: "user", parts: [{ text: message.content }] })
          break
        }
        const parts: GeminiPart[] = []
        for (const [j, part] of message.content.entries()) {
          const mapped = userPartToGemini(part, `messages[${i}].content[${j}]`)
          if (!mapped.ok) return mapped
          parts.push(mapped.value)
        }
        push({ role: "user", parts })
        break
      }
      case "assistant": {
        const parts = assistantToGemini(message, i, options.unsignedToolCallSignature)
        if (!parts.ok) return parts
        for (const call of message.toolCalls ?? []) namesById.set(call.id, call.name)
        if (parts.value.length > 0) push({ role: "model", parts: parts.value })
        break
      }
      case "tool": {
        const name = message.name ?? namesById.get(message.toolCallId)
        if (name === undefined) return fail(unsupportedByProvider(`messages[${i}].tool_call_id`, "A tool message must answer a tool call of an earlier assistant message."))
        const text = texts(message.content).join("")
        push({ role: "user", parts: [{ functionResponse: { name, response: responseObject(text) } }] })
        break
      }
      default: {
        const unreachable: never = message
        return unreachable
      }
    }
  }
  return succeed({ systemInstruction, contents })
}

function texts(content: string | readonly TextPart[]): string[] {
  return typeof content === "string" ? [content] : content.map((part) => part.text)
}

/** Gemini wants an object: a JSON object result goes as it is, anything else under `result`. */
function responseObject(text: string): Readonly<Record<string, unknown>> {
  const parsed = jsonObjectOf(text)
  return parsed ?? { result: text }
}

function userPartToGemini(part: UserContentPart, param: string): Outcome<GeminiPart> {
  switch (part.type) {
    case "text":
      return succeed({ text: part.text })
    case "image": {
      const data = DATA_URL.exec(part.url)
      if (data === null) return fail(unsupportedByProvider(`${param}.image_url.url`, "The Gemini backend takes images as base64 data URLs."))
      return succeed({ inlineData: { mimeType: data[1] ?? "", data: data[2] ?? "" } })
    }
    case "audio":
      return succeed({ inlineData: { mimeType: part.format === "wav" ? "audio/wav" : "audio/mp3", data: part.data } })
    case "file": {
      if (part.fileData === undefined) return fail(unsupportedByProvider(`${param}.file.file_id`, "The Gemini backend takes files as file_data (a base64 data URL), not by OpenAI file id."))
      const data = DATA_URL.exec(part.fileData)
      if (data === null) return fail(unsupportedByProvider(`${param}.file.file_data`, "file_data must be a base64 data URL (data:<media type>;base64,…)."))
      return succeed({ inlineData: { mimeType: data[1] ?? "", data: data[2] ?? "" } })
    }
    default: {
      const unreachable: never = part
      return unreachable
    }
  }
}

/** An assistant turn's text as it goes to Gemini (one text part): also what a text signature is kept under. */
export function assistantText(message: AssistantMessage): string {
  return typeof message.content === "string" ? message.content : (message.content ?? []).map((part) => (part.type === "text" ? part.text : part.refusal)).join("")
}

function assistantToGemini(message: AssistantMessage, i: number, unsignedSignature: string | undefined): Outcome<GeminiPart[]> {
  const parts: GeminiPart[] = []
  // Only the first call of a step carries Gemini's signature (parallel calls share it).
  const calls = message.toolCalls ?? []
  const fallback = unsignedSignature !== undefined && calls.every((call) => call.signature === undefined) ? unsignedSignature : undefined
  const text = assistantText(message)
  if (text !== "") parts.push(message.textSignature === undefined ? { text } : { text, thoughtSignature: message.textSignature })
  for (const [j, call] of calls.entries()) {
    const args = toolArgumentsObject(call.arguments)
    if (args === undefined) return fail(unsupportedByProvider(`messages[${i}].tool_calls[${j}].function.arguments`, "Tool call arguments must be a JSON object for the Gemini backend."))
    const signature = call.signature ?? (j === 0 ? fallback : undefined)
    parts.push(signature === undefined ? { functionCall: { name: call.name, args } } : { functionCall: { name: call.name, args }, thoughtSignature: signature })
  }
  return succeed(parts)
}
