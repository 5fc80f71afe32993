import type { ChatCall, EmbedCall, EmbedResult, GenerateResult, Message, ToolCall } from "@harper-gateway/translate"
import { embedInputList, GatewayFailure, invalidRequest } from "@harper-gateway/translate"
import type { BackendContext, ChunkBatch, EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import { hashedEmbedding } from "./hashed-embedding.ts"

/**
 * A deterministic offline backend for development, and the default when no upstream
 * is configured. Chat answers with the last user message's text; when tools are
 * offered (and tool_choice allows) it calls one, with the user's text as `input`;
 * with a JSON response format it answers JSON. It streams word by word. Sampling
 * options and passthrough fields are accepted and have no effect; n > 1 is refused
 * (400, param `n`). Token counts are
 * whitespace-separated words. Embeddings are hashed-feature vectors (see
 * hashed-embedding.ts). Nothing here is a model: it exists so the gateway, its
 * clients and its tests run without a provider.
 */
const ECHO_DEFAULT_DIMENSIONS = 256

export function createEchoBackend(defaultDimensions: number = ECHO_DEFAULT_DIMENSIONS): GenerativeBackend & EmbeddingBackend {
  return {
    name: "echo",
    async generate(call: ChatCall, context: BackendContext): Promise<GenerateResult> {
      throwIfAborted(context.signal)
      refuseSeveralChoices(call)
      return answer(call)
    },
    // One chunk a batch, as a provider that sends one event a read does.
    async *generateStream(call: ChatCall, context: BackendContext): AsyncIterable<ChunkBatch> {
      refuseSeveralChoices(call)
      const result = answer(call)
      yield [{ model: call.opts.model }]
      for (const [index, piece] of words(result.content ?? "").entries()) {
        throwIfAborted(context.signal)
        yield [{ deltaContent: index === 0 ? piece : ` ${piece}` }]
        await Promise.resolve()
      }
      for (const [index, toolCall] of (result.toolCalls ?? []).entries()) {
        yield [{ deltaToolCalls: [{ index, id: toolCall.id, name: toolCall.name }] }]
        for (const fragment of halves(toolCall.arguments)) yield [{ deltaToolCalls: [{ index, argumentsDelta: fragment }] }]
      }
      throwIfAborted(context.signal)
      const usage = result.usage
      yield [usage === undefined ? { finishReason: result.finishReason } : { finishReason: result.finishReason, usage }]
    },
    async embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult> {
      throwIfAborted(context.signal)
      const dimensions = call.opts.dimensions ?? defaultDimensions
      const inputs = embedInputList(call.input)
      const vectors = inputs.map((input) => hashedEmbedding(typeof input === "string" ? input : input.join(" "), dimensions))
      const tokens = inputs.reduce((sum, input) => sum + (typeof input === "string" ? words(input).length : input.length), 0)
      return { vectors, usage: { promptTokens: tokens, embeddingTokens: tokens, totalTokens: tokens }, model: call.opts.model }
    },
  }
}

/** One answer is all the echo has: n > 1 is refused rather than answered with one choice the client did not expect. */
function refuseSeveralChoices(call: ChatCall): void {
  const n = call.opts.n ?? 1
  if (n > 1) throw new GatewayFailure(invalidRequest(`This model can only generate one choice; n must be 1 (got ${n}).`, "n", "unsupported_value"))
}

function answer(call: ChatCall): GenerateResult {
  const prompt = lastUserText(call.input.messages)
  const promptTokens = call.input.messages.reduce((sum, message) => sum + words(textOf(message)).length, 0)
  const tool = chosenTool(call)
  if (tool !== undefined) {
    const toolCall: ToolCall = { id: `call_echo_${call.input.messages.length}`, name: tool, arguments: JSON.stringify({ input: prompt }) }
    return { content: "", toolCalls: [toolCall], finishReason: "tool_calls", rawFinishReason: "tool_calls", model: call.opts.model, usage: usage(promptTokens, 1) }
  }
  const format = call.opts.responseFormat
  const wantsJson = format !== undefined && format !== "text" && !(typeof format === "object" && "type" in format && format.type === "text")
  const content = wantsJson ? JSON.stringify({ echo: prompt }) : prompt
  return { content, finishReason: "stop", rawFinishReason: "stop", model: call.opts.model, usage: usage(promptTokens, words(content).length) }
}

/** The tool the echo calls: the named one, else the first, unless tool_choice is none or the last turn is a tool result. */
function chosenTool(call: ChatCall): string | undefined {
  const tools = call.input.tools ?? []
  const choice = call.opts.toolChoice
  if (tools.length === 0 || choice === "none") return undefined
  if (typeof choice === "object" && choice.type === "function") return choice.name
  const last = call.input.messages.at(-1)
  if (last?.role === "tool" && choice !== "required") return undefined
  return tools[0]?.name
}

function lastUserText(messages: readonly Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (message?.role === "user" || message?.role === "tool") return textOf(message)
  }
  return ""
}

function textOf(message: Message): string {
  const content = message.content
  if (content === null) return ""
  if (typeof content === "string") return content
  return content
    .map((part) => (part.type === "text" ? part.text : ""))
    .join(" ")
    .trim()
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== "")
}

function halves(text: string): string[] {
  const middle = Math.floor(text.length / 2)
  return [text.slice(0, middle), text.slice(middle)].filter((piece) => piece !== "")
}

function usage(promptTokens: number, completionTokens: number) {
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new GatewayFailure({ _tag: "Cancelled" })
}
