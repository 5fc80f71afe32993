import type { ChatCall } from "../chat/chat-call.ts"
import type { Message, ReasoningEffort, ResponseFormat, TextPart } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { refusedOllamaOption } from "./field-dispositions.ts"
import type { OllamaChatRequest, OllamaMessage, OllamaToolCall } from "./wire.ts"
import { toolArgumentsObject, unsupportedByProvider } from "../wire/json-object.ts"

/** What the model's configuration gives every request to it. */
export interface OllamaModelConfig {
  /** Modelfile parameters (`num_ctx`, `num_gpu`, …); the client's own values (temperature, …) win over these. */
  readonly options?: Readonly<Record<string, unknown>>
  /** How long the model stays loaded after the request (`"5m"`, seconds, `-1`). */
  readonly keepAlive?: string | number
  /** Whether the model takes `think` levels (gpt-oss) rather than only true/false. */
  readonly thinkLevels?: boolean
  /** `think` when the client sends no reasoning_effort (a thinking model's own default otherwise). */
  readonly think?: boolean | "low" | "medium" | "high"
  /** Embeddings: let Ollama cut an input longer than the model's context instead of answering 400. */
  readonly truncate?: boolean
}

// Media-type parameters (`;name=a.png`) may come before `;base64`: only base64 data can go to Ollama.
const DATA_URL = /^data:[^,]*;base64,(.*)$/s

/**
 * A ChatCall as an Ollama `/api/chat` body, or the 400 for the first field Ollama cannot
 * take (see field-dispositions.ts). Sampling fields go into `options` over the model
 * config's; images go as base64 beside the text (Ollama takes no URLs); tool results
 * name the tool they answer (`tool_name`).
 */
export function encodeOllamaChatRequest(call: ChatCall, config: OllamaModelConfig = {}): Outcome<OllamaChatRequest> {
  const { input, opts } = call
  const refused = refusedOllamaOption(opts)
  if (refused !== undefined) return fail(refused)
  const messages = messagesToOllama(input.messages)
  if (!messages.ok) return messages
  type Mutable<T> = { -readonly [K in keyof T]: T[K] }
  const body: Mutable<OllamaChatRequest> = { model: opts.model, messages: messages.value, stream: call.stream }
  const options: Record<string, unknown> = { ...config.options }
  const set = (key: string, value: unknown) => {
    if (value !== undefined) Object.defineProperty(options, key, { value, enumerable: true, writable: true, configurable: true })
  }
  set("temperature", opts.temperature)
  set("top_p", opts.topP)
  const topK = opts.passthrough?.["top_k"]
  if (topK !== undefined && topK !== null) {
    if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1) return fail(unsupportedByProvider("top_k", "top_k must be a positive integer."))
    set("top_k", topK)
  }
  set("num_predict", opts.maxCompletionTokens ?? opts.maxTokens)
  set("stop", opts.stop === undefined ? undefined : typeof opts.stop === "string" ? [opts.stop] : opts.stop)
  set("seed", opts.seed)
  set("presence_penalty", opts.presencePenalty)
  set("frequency_penalty", opts.frequencyPenalty)
  if (Object.keys(options).length > 0) body.options = options
  if (config.keepAlive !== undefined) body.keep_alive = config.keepAlive
  if (input.tools !== undefined && input.tools.length > 0 && opts.toolChoice !== "none") {
    body.tools = input.tools.map((tool) => ({
      type: "function",
      function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: tool.parameters ?? { type: "object", properties: {} } },
    }))
  }
  if (opts.responseFormat !== undefined) {
    const format = formatToOllama(opts.responseFormat)
    if (format !== undefined) body.format = format
  }
  if (opts.reasoningEffort !== undefined) body.think = thinkToOllama(opts.reasoningEffort, config.thinkLevels === true)
  else if (config.think !== undefined) body.think = config.think
  return succeed(body)
}

function thinkToOllama(effort: ReasoningEffort, levels: boolean): boolean | "low" | "medium" | "high" {
  if (effort === "none") return false
  if (!levels) return true
  switch (effort) {
    case "minimal":
    case "low":
      return "low"
    case "medium":
      return "medium"
    case "high":
    case "xhigh":
    case "max":
      return "high"
    default: {
      const unreachable: never = effort
      return unreachable
    }
  }
}

function formatToOllama(format: ResponseFormat): OllamaChatRequest["format"] {
  if (format === "text") return undefined
  if (format === "json") return "json"
  if (!("type" in format)) return format.schema
  switch (format.type) {
    case "text":
      return undefined
    case "json_object":
      return "json"
    case "json_schema":
      return format.schema ?? "json"
    default: {
      const unreachable: never = format
      return unreachable
    }
  }
}

function messagesToOllama(messages: readonly Message[]): Outcome<OllamaMessage[]> {
  const out: OllamaMessage[] = []
  const namesById = new Map<string, string>()
  for (const [i, message] of messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer":
        out.push({ role: "system", content: texts(message.content) })
        break
      case "user": {
        if (typeof message.content === "string") {
          out.push({ role: "user", content: message.content })
          break
        }
        let content = ""
        const images: string[] = []
        for (const [j, part] of message.content.entries()) {
          const param = `messages[${i}].content[${j}]`
          switch (part.type) {
            case "text":
              content += part.text
              break
            case "image": {
              const data = DATA_URL.exec(part.url)
              if (data === null) return fail(unsupportedByProvider(`${param}.image_url.url`, "The Ollama backend takes images as base64 data URLs."))
              images.push(data[1] ?? "")
              break
            }
            case "audio":
            case "file":
              return fail(unsupportedByProvider(param, `The Ollama backend does not accept ${part.type} input.`))
            default: {
              const unreachable: never = part
              return unreachable
            }
          }
        }
        out.push(images.length === 0 ? { role: "user", content } : { role: "user", content, images })
        break
      }
      case "assistant": {
        const content = typeof message.content === "string" ? message.content : (message.content ?? []).map((part) => (part.type === "text" ? part.text : part.refusal)).join("")
        const calls: OllamaToolCall[] = []
        for (const [j, call] of (message.toolCalls ?? []).entries()) {
          const args = toolArgumentsObject(call.arguments)
          if (args === undefined) return fail(unsupportedByProvider(`messages[${i}].tool_calls[${j}].function.arguments`, "Tool call arguments must be a JSON object for the Ollama backend."))
          namesById.set(call.id, call.name)
          calls.push({ function: { name: call.name, arguments: args } })
        }
        out.push(calls.length === 0 ? { role: "assistant", content } : { role: "assistant", content, tool_calls: calls })
        break
      }
      case "tool": {
        const name = message.name ?? namesById.get(message.toolCallId)
        const content = texts(message.content)
        out.push(name === undefined ? { role: "tool", content } : { role: "tool", content, tool_name: name })
        break
      }
      default: {
        const unreachable: never = message
        return unreachable
      }
    }
  }
  return succeed(out)
}

function texts(content: string | readonly TextPart[]): string {
  return typeof content === "string" ? content : content.map((part) => part.text).join("")
}
