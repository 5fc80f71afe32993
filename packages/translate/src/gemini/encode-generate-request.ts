import type { ChatCall } from "../chat/chat-call.ts"
import type { GatewayError } from "../errors/gateway-error.ts"
import type { ReasoningEffort, ResponseFormat, ToolChoice } from "../model/types.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { contentsToGemini } from "./contents-to-gemini.ts"
import { refusedGeminiOption } from "./field-dispositions.ts"
import type { GeminiFunctionDeclaration, GeminiGenerateRequest, GeminiGenerationConfig } from "./wire.ts"
import { unsupportedByProvider } from "../wire/json-object.ts"

export interface GeminiRequestOptions {
  /**
   * Send schemas as `parametersJsonSchema` / `responseJsonSchema` (full JSON Schema)
   * rather than `parameters` / `responseSchema` (Gemini's OpenAPI subset, which refuses
   * some JSON Schema keywords). Default false.
   */
  readonly jsonSchemaFields?: boolean
  /** See GeminiContentsOptions: what signs a replayed model turn whose calls lost their signatures (Gemini 3 requires one). */
  readonly unsignedToolCallSignature?: string
  /** Thinking budget (tokens) per reasoning effort; `none` is always 0. */
  readonly thinkingBudgets?: Readonly<Partial<Record<Exclude<ReasoningEffort, "none">, number>>>
}

export const defaultGeminiThinkingBudgets: Readonly<Record<Exclude<ReasoningEffort, "none">, number>> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 32768,
}

/** The request path under the API base (`https://generativelanguage.googleapis.com/v1beta/`): streaming asks for SSE. */
export function geminiGeneratePath(model: string, stream: boolean): string {
  const name = encodeURIComponent(model)
  return stream ? `models/${name}:streamGenerateContent?alt=sse` : `models/${name}:generateContent`
}

/**
 * A ChatCall as a Gemini generateContent / streamGenerateContent body (the model and
 * streaming go in the path: geminiGeneratePath), or the 400 for the first field Gemini
 * cannot take (see field-dispositions.ts).
 */
export function encodeGenerateRequest(call: ChatCall, options: GeminiRequestOptions = {}): Outcome<GeminiGenerateRequest> {
  const { input, opts } = call
  const refused = refusedGeminiOption(opts)
  if (refused !== undefined) return fail(refused)
  const conversation = contentsToGemini(input.messages, options.unsignedToolCallSignature === undefined ? {} : { unsignedToolCallSignature: options.unsignedToolCallSignature })
  if (!conversation.ok) return conversation
  type Mutable<T> = { -readonly [K in keyof T]: T[K] }
  const body: Mutable<GeminiGenerateRequest> = { contents: conversation.value.contents }
  if (conversation.value.systemInstruction.length > 0) body.systemInstruction = { parts: conversation.value.systemInstruction }
  const config: Mutable<GeminiGenerationConfig> = {}
  if (opts.temperature !== undefined) config.temperature = opts.temperature
  if (opts.topP !== undefined) config.topP = opts.topP
  const topK = opts.passthrough?.["top_k"]
  if (topK !== undefined && topK !== null) {
    if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1) return fail(unsupportedByProvider("top_k", "top_k must be a positive integer."))
    config.topK = topK
  }
  const maxTokens = opts.maxCompletionTokens ?? opts.maxTokens
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens
  if (opts.stop !== undefined) config.stopSequences = typeof opts.stop === "string" ? [opts.stop] : opts.stop
  if (opts.n !== undefined) config.candidateCount = opts.n
  if (opts.seed !== undefined) config.seed = opts.seed
  if (opts.presencePenalty !== undefined) config.presencePenalty = opts.presencePenalty
  if (opts.frequencyPenalty !== undefined) config.frequencyPenalty = opts.frequencyPenalty
  if (opts.responseFormat !== undefined) {
    const format = structuredOutput(opts.responseFormat)
    if (format !== undefined) {
      config.responseMimeType = "application/json"
      if (format.schema !== undefined) {
        if (options.jsonSchemaFields === true) config.responseJsonSchema = format.schema
        else config.responseSchema = format.schema
      }
    }
  }
  if (opts.reasoningEffort !== undefined) {
    config.thinkingConfig = opts.reasoningEffort === "none" ? { thinkingBudget: 0 } : { thinkingBudget: options.thinkingBudgets?.[opts.reasoningEffort] ?? defaultGeminiThinkingBudgets[opts.reasoningEffort], includeThoughts: true }
  }
  if (Object.keys(config).length > 0) body.generationConfig = config
  if (input.tools !== undefined && input.tools.length > 0) {
    const declarations: GeminiFunctionDeclaration[] = input.tools.map((tool) => {
      const schema = tool.parameters === undefined ? {} : options.jsonSchemaFields === true ? { parametersJsonSchema: tool.parameters } : { parameters: tool.parameters }
      return { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), ...schema }
    })
    body.tools = [{ functionDeclarations: declarations }]
  }
  if (opts.toolChoice !== undefined) {
    const toolConfig = toolChoiceToGemini(opts.toolChoice)
    if ("error" in toolConfig) return fail(toolConfig.error)
    body.toolConfig = toolConfig
  }
  return succeed(body)
}

function toolChoiceToGemini(choice: ToolChoice): NonNullable<GeminiGenerateRequest["toolConfig"]> | { readonly error: GatewayError } {
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } }
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } }
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } }
  if (choice.type === "function") return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.name] } }
  const names: string[] = []
  for (const tool of choice.tools) {
    const name = allowedToolName(tool)
    if (name === undefined) return { error: unsupportedByProvider("tool_choice", "allowed_tools entries must name function tools.") }
    names.push(name)
  }
  // AUTO with a list is not a Gemini mode: VALIDATED would be, but only ANY keeps the list binding.
  if (choice.mode === "auto") return { error: unsupportedByProvider("tool_choice", "The Gemini backend supports allowed_tools only with mode required.") }
  return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: names } }
}

/** `{type:"function", function:{name}}` or the Responses form `{type:"function", name}`. */
function allowedToolName(tool: Readonly<Record<string, unknown>>): string | undefined {
  if (tool["type"] !== "function") return undefined
  const inner = tool["function"]
  if (typeof inner === "object" && inner !== null && "name" in inner && typeof inner.name === "string") return inner.name
  const name = tool["name"]
  return typeof name === "string" ? name : undefined
}

function structuredOutput(format: ResponseFormat): { readonly schema?: Readonly<Record<string, unknown>> } | undefined {
  if (format === "text") return undefined
  if (format === "json") return {}
  if (!("type" in format)) return { schema: format.schema }
  switch (format.type) {
    case "text":
      return undefined
    case "json_object":
      return {}
    case "json_schema":
      return format.schema === undefined ? {} : { schema: format.schema }
    default: {
      const unreachable: never = format
      return unreachable
    }
  }
}
