import { Schema } from "effect"
import type { ToolCall } from "../model/types.ts"
import type { OllamaChatResponse } from "./wire.ts"

export interface OllamaMessageParts {
  readonly content: string
  readonly thinking: string
  readonly toolCalls: readonly ToolCall[]
}

const isObject = Schema.is(Schema.Record(Schema.String, Schema.Unknown))

/**
 * The parts of one `/api/chat` message (a whole answer, or one stream line): text,
 * thinking, and tool calls, whole (Ollama sends each call complete), with arguments as
 * JSON text and ids `call_<n>` counted from `firstPosition` where Ollama gives none.
 */
export function readOllamaMessage(response: OllamaChatResponse, firstPosition: number): OllamaMessageParts {
  const message = response.message
  const toolCalls: ToolCall[] = []
  for (const call of message?.tool_calls ?? []) {
    const args = call.function.arguments
    const text = typeof args === "string" ? args : isObject(args) ? JSON.stringify(args) : "{}"
    const id = call.id != null && call.id !== "" ? call.id : `call_${firstPosition + toolCalls.length}`
    toolCalls.push({ id, name: call.function.name, arguments: text })
  }
  return { content: message?.content ?? "", thinking: message?.thinking ?? "", toolCalls }
}

/** `created_at` (RFC 3339) as Unix seconds. */
export function readOllamaCreated(createdAt: string | null | undefined): number | undefined {
  if (createdAt == null) return undefined
  const ms = Date.parse(createdAt)
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000)
}
