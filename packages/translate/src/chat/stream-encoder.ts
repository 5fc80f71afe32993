import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateChunk, TokenUsage, ToolCallDelta } from "../model/types.ts"
import type { ChatCompletionChunkOut, ChunkDeltaOut, ToolCallDeltaOut } from "../wire/chat-chunk-out.ts"
import type { CompletionIdentity } from "./completion-identity.ts"
import { finishReasonToOpenAI } from "./map-finish-reason.ts"
import { usageToOpenAI } from "./map-usage.ts"
import { streamLimits, type StreamLimits } from "./stream-limits.ts"

/**
 * The server-side stream reducer: internal GenerateChunks in, OpenAI chunks out.
 * Guarantees what strict clients check (the OpenAI SDK's `.stream()` helper,
 * LangChain, the AI SDK): the first chunk carries `role: "assistant"`; `id`, `created`
 * and `model` never change; each tool call is announced once as
 * `{index, id, type: "function", function: {name, arguments: ""}}` and its arguments
 * follow as fragments under the same `index` (indices 0..n-1 in order of arrival);
 * exactly one chunk has a `finish_reason`; the usage chunk (`choices: []`) comes only
 * when the client asked for it and the backend reported usage; a stream that ends without a finish reason ends in an
 * error, never in an invented `stop`.
 */
export type StreamEncoderEvent =
  | { readonly type: "chunk"; readonly chunk: GenerateChunk }
  | { readonly type: "end" }
  | { readonly type: "error"; readonly error: GatewayError }

export type StreamEncoderOutput =
  | { readonly type: "chunk"; readonly chunk: ChatCompletionChunkOut }
  | { readonly type: "error"; readonly error: GatewayError }
  | { readonly type: "done" }

interface AnnouncedToolCall {
  readonly sourceIndex: number
  readonly argumentChars: number
}

export interface StreamEncoderState {
  readonly identity: CompletionIdentity
  readonly includeUsage: boolean
  readonly limits: StreamLimits
  readonly phase: "streaming" | "finished" | "closed"
  readonly roleSent: boolean
  /** Position in this array is the tool call's output index. */
  readonly toolCalls: readonly AnnouncedToolCall[]
  readonly argumentChars: number
  readonly usage: TokenUsage | undefined
  readonly systemFingerprint: string | undefined
  readonly serviceTier: string | undefined
}

export function initialStreamEncoderState(
  identity: CompletionIdentity,
  includeUsage: boolean,
  limits: StreamLimits = streamLimits,
): StreamEncoderState {
  return {
    identity,
    includeUsage,
    limits,
    phase: "streaming",
    roleSent: false,
    toolCalls: [],
    argumentChars: 0,
    usage: undefined,
    systemFingerprint: undefined,
    serviceTier: undefined,
  }
}

type Step = readonly [StreamEncoderState, readonly StreamEncoderOutput[]]

const NOTHING: readonly StreamEncoderOutput[] = []

export function encodeStreamEvent(state: StreamEncoderState, event: StreamEncoderEvent): Step {
  if (state.phase === "closed") return [state, NOTHING]
  switch (event.type) {
    case "chunk":
      return encodeChunk(state, event.chunk)
    case "end":
      return encodeEnd(state)
    case "error":
      return [{ ...state, phase: "closed" }, [{ type: "error", error: event.error }]]
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

function encodeChunk(initial: StreamEncoderState, chunk: GenerateChunk): Step {
  let state = initial
  if (chunk.usage !== undefined) state = { ...state, usage: chunk.usage }
  if (chunk.systemFingerprint !== undefined && state.systemFingerprint === undefined) state = { ...state, systemFingerprint: chunk.systemFingerprint }
  if (chunk.serviceTier !== undefined && state.serviceTier === undefined) state = { ...state, serviceTier: chunk.serviceTier }

  const hasDelta =
    nonEmpty(chunk.deltaContent) || nonEmpty(chunk.deltaReasoning) || nonEmpty(chunk.deltaRefusal) || (chunk.deltaToolCalls?.length ?? 0) > 0
  if (state.phase === "finished") {
    if (hasDelta || chunk.finishReason !== undefined) return protocolError(state, "the backend sent output after its finish reason")
    return [state, NOTHING]
  }

  const outputs: StreamEncoderOutput[] = []
  let delta: { -readonly [K in keyof ChunkDeltaOut]: ChunkDeltaOut[K] } = {}
  if (!state.roleSent) {
    delta.role = "assistant"
    state = { ...state, roleSent: true }
  }
  if (nonEmpty(chunk.deltaContent)) delta.content = chunk.deltaContent
  if (nonEmpty(chunk.deltaReasoning)) delta.reasoning_content = chunk.deltaReasoning
  if (nonEmpty(chunk.deltaRefusal)) delta.refusal = chunk.deltaRefusal

  for (const toolDelta of chunk.deltaToolCalls ?? []) {
    const step = encodeToolCallDelta(state, toolDelta)
    if (step.type === "error") return [{ ...state, phase: "closed" }, [...outputs, { type: "error", error: step.error }]]
    state = step.state
    for (const fragment of step.fragments) {
      // A call's announcement and its arguments travel in separate chunks, as OpenAI sends them.
      if (delta.tool_calls !== undefined) {
        outputs.push(makeChunk(state, delta, null))
        delta = {}
      }
      delta.tool_calls = [fragment]
    }
  }

  if (chunk.finishReason !== undefined) {
    const finishReason = finishReasonToOpenAI(chunk.finishReason, chunk.rawFinishReason)
    outputs.push(makeChunk(state, delta, finishReason))
    return [{ ...state, phase: "finished" }, outputs]
  }
  if (delta.role !== undefined && !hasContent(delta)) delta.content = ""
  if (hasContent(delta) || delta.role !== undefined) outputs.push(makeChunk(state, delta, null))
  return [state, outputs.length === 0 ? NOTHING : outputs]
}

type ToolStep =
  | { readonly type: "ok"; readonly state: StreamEncoderState; readonly fragments: readonly ToolCallDeltaOut[] }
  | { readonly type: "error"; readonly error: GatewayError }

function encodeToolCallDelta(state: StreamEncoderState, toolDelta: ToolCallDelta): ToolStep {
  const fragment = toolDelta.argumentsDelta ?? ""
  let index = state.toolCalls.findIndex((call) => call.sourceIndex === toolDelta.index)
  const fragments: ToolCallDeltaOut[] = []
  let toolCalls = state.toolCalls
  if (index === -1) {
    if (toolDelta.name === undefined || toolDelta.name === "") return invalid("a tool call started without a function name")
    if (toolCalls.length >= state.limits.maxToolCalls) return invalid(`more than ${state.limits.maxToolCalls} tool calls`)
    index = toolCalls.length
    // Ids are the backend's; a deterministic stand-in only when it gave none.
    const id = toolDelta.id ?? `call_${index}`
    fragments.push({ index, id, type: "function", function: { name: toolDelta.name, arguments: "" } })
    toolCalls = [...toolCalls, { sourceIndex: toolDelta.index, argumentChars: 0 }]
  }
  if (fragment === "") return { type: "ok", state: toolCalls === state.toolCalls ? state : { ...state, toolCalls }, fragments }
  const call = toolCalls[index]
  if (call === undefined) return invalid("tool call index out of range")
  const callChars = call.argumentChars + fragment.length
  const streamChars = state.argumentChars + fragment.length
  if (callChars > state.limits.maxArgumentCharsPerCall) return invalid("tool call arguments exceed the per-call limit")
  if (streamChars > state.limits.maxArgumentCharsPerStream) return invalid("tool call arguments exceed the per-stream limit")
  toolCalls = toolCalls.map((existing, i) => (i === index ? { sourceIndex: existing.sourceIndex, argumentChars: callChars } : existing))
  fragments.push({ index, function: { arguments: fragment } })
  return { type: "ok", state: { ...state, toolCalls, argumentChars: streamChars }, fragments }
}

function encodeEnd(state: StreamEncoderState): Step {
  if (state.phase !== "finished") return protocolError(state, "the model stream ended without a finish reason")
  const outputs: StreamEncoderOutput[] = []
  // Usage nobody reported is left out rather than sent as zeros.
  if (state.includeUsage && state.usage !== undefined) {
    outputs.push({ type: "chunk", chunk: { ...chunkOf(state, []), usage: usageToOpenAI(state.usage) } })
  }
  outputs.push({ type: "done" })
  return [{ ...state, phase: "closed" }, outputs]
}

function makeChunk(state: StreamEncoderState, delta: ChunkDeltaOut, finishReason: string | null): StreamEncoderOutput {
  return { type: "chunk", chunk: chunkOf(state, [{ index: 0, delta, logprobs: null, finish_reason: finishReason }]) }
}

function chunkOf(state: StreamEncoderState, choices: ChatCompletionChunkOut["choices"]): ChatCompletionChunkOut {
  const { id, created, model } = state.identity
  let out: ChatCompletionChunkOut = { id, object: "chat.completion.chunk", created, model, choices }
  if (state.systemFingerprint !== undefined) out = { ...out, system_fingerprint: state.systemFingerprint }
  if (state.serviceTier !== undefined) out = { ...out, service_tier: state.serviceTier }
  return out
}

function protocolError(state: StreamEncoderState, detail: string): Step {
  return [{ ...state, phase: "closed" }, [{ type: "error", error: { _tag: "UpstreamError", code: "invalid_upstream_stream", detail } }]]
}

function invalid(detail: string): ToolStep {
  return { type: "error", error: { _tag: "UpstreamError", code: "invalid_upstream_stream", detail } }
}

function hasContent(delta: ChunkDeltaOut): boolean {
  return delta.content !== undefined || delta.reasoning_content !== undefined || delta.refusal !== undefined || delta.tool_calls !== undefined
}

function nonEmpty(text: string | undefined): text is string {
  return text !== undefined && text !== ""
}
