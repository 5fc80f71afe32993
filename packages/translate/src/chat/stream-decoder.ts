import { Schema } from "effect"
import type { GatewayError } from "../errors/gateway-error.ts"
import { fromUpstreamError } from "../errors/from-upstream-error.ts"
import type { GenerateChunk, ToolCallDelta } from "../model/types.ts"
import { ChatCompletionChunk, StreamErrorFrame, type ToolCallChunk } from "../wire/chat-chunk.ts"
import { finishReasonFromOpenAI } from "./map-finish-reason.ts"
import { usageFromOpenAI } from "./map-usage.ts"
import { streamLimits, type StreamLimits } from "./stream-limits.ts"

/**
 * The backend-side stream reducer: the `data:` payloads of an OpenAI-compatible
 * upstream's SSE stream in, internal GenerateChunks out. Reads past provider
 * extensions, keeps reasoning text and usage, accumulates tool calls within bounds,
 * turns an in-stream `{"error":…}` frame into its reason, and treats a stream that
 * ends without a finish reason as an error rather than a silent `stop`.
 */
export type StreamDecoderEvent =
  | { readonly type: "data"; readonly data: string }
  /** A chunk some transport already parsed (the benchmark uses it to time translation alone). */
  | { readonly type: "json"; readonly value: unknown }
  | { readonly type: "end" }

export type StreamDecoderOutput =
  | { readonly type: "chunk"; readonly chunk: GenerateChunk }
  | { readonly type: "error"; readonly error: GatewayError }

interface UpstreamToolCall {
  readonly index: number
  readonly id: string | undefined
  readonly named: boolean
  readonly argumentChars: number
}

export interface StreamDecoderState {
  readonly limits: StreamLimits
  readonly phase: "streaming" | "done" | "closed"
  readonly finished: boolean
  readonly identitySent: boolean
  readonly toolCalls: readonly UpstreamToolCall[]
  readonly argumentChars: number
}

export function initialStreamDecoderState(limits: StreamLimits = streamLimits): StreamDecoderState {
  return { limits, phase: "streaming", finished: false, identitySent: false, toolCalls: [], argumentChars: 0 }
}

type Step = readonly [StreamDecoderState, readonly StreamDecoderOutput[]]

const NOTHING: readonly StreamDecoderOutput[] = []
const isChunk = Schema.is(ChatCompletionChunk)
const isErrorFrame = Schema.is(StreamErrorFrame)

export function decodeStreamEvent(state: StreamDecoderState, event: StreamDecoderEvent): Step {
  if (state.phase === "closed") return [state, NOTHING]
  switch (event.type) {
    case "data":
      if (state.phase === "done") return [state, NOTHING] // nothing after [DONE] counts
      if (event.data === "[DONE]") return [{ ...state, phase: "done" }, NOTHING]
      return decodeData(state, event.data)
    case "json":
      if (state.phase === "done") return [state, NOTHING]
      return decodeValue(state, event.value)
    case "end":
      return decodeEnd(state)
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

function decodeData(state: StreamDecoderState, data: string): Step {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: "a stream event is not JSON" })
  }
  return decodeValue(state, value)
}

function decodeValue(state: StreamDecoderState, value: unknown): Step {
  if (isErrorFrame(value)) return failed(state, errorFrameToReason(value))
  if (!isChunk(value)) return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: "a stream event is not a chat completion chunk" })
  return decodeChunk(state, value)
}

type MutableChunk = { -readonly [K in keyof GenerateChunk]: GenerateChunk[K] }

function decodeChunk(initial: StreamDecoderState, chunk: ChatCompletionChunk): Step {
  let state = initial
  const out: MutableChunk = {}
  if (!state.identitySent && chunk.id !== undefined && chunk.id !== "") {
    out.id = chunk.id
    if (chunk.model !== undefined && chunk.model !== "") out.model = chunk.model
    if (chunk.created !== undefined && chunk.created > 0) out.created = chunk.created
    state = { ...state, identitySent: true }
  }
  if (chunk.system_fingerprint != null) out.systemFingerprint = chunk.system_fingerprint
  if (chunk.service_tier != null) out.serviceTier = chunk.service_tier
  if (chunk.usage != null) out.usage = usageFromOpenAI(chunk.usage)

  for (const choice of chunk.choices ?? []) {
    // n > 1 is refused at the door, so only choice 0 can legitimately appear.
    if (choice.index !== undefined && choice.index !== 0) {
      return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: `unexpected choice index ${choice.index}` })
    }
    const delta = choice.delta
    if (delta != null) {
      if (delta.content != null && delta.content !== "") out.deltaContent = (out.deltaContent ?? "") + delta.content
      const reasoning = delta.reasoning_content ?? delta.reasoning
      if (reasoning != null && reasoning !== "") out.deltaReasoning = (out.deltaReasoning ?? "") + reasoning
      if (delta.refusal != null && delta.refusal !== "") out.deltaRefusal = (out.deltaRefusal ?? "") + delta.refusal
      if (delta.tool_calls != null && delta.tool_calls.length > 0) {
        const deltas: ToolCallDelta[] = []
        for (const call of delta.tool_calls) {
          const step = decodeToolCall(state, call)
          if (step.type === "error") return failed(state, step.error)
          state = step.state
          deltas.push(step.delta)
        }
        out.deltaToolCalls = [...(out.deltaToolCalls ?? []), ...deltas]
      }
    }
    if (choice.finish_reason != null && !state.finished) {
      out.finishReason = finishReasonFromOpenAI(choice.finish_reason)
      out.rawFinishReason = choice.finish_reason
      state = { ...state, finished: true }
    }
  }
  return Object.keys(out).length === 0 ? [state, NOTHING] : [state, [{ type: "chunk", chunk: out }]]
}

type ToolStep =
  | { readonly type: "ok"; readonly state: StreamDecoderState; readonly delta: ToolCallDelta }
  | { readonly type: "error"; readonly error: GatewayError }

function decodeToolCall(state: StreamDecoderState, call: ToolCallChunk): ToolStep {
  const id = call.id ?? undefined
  const name = call.function?.name ?? undefined
  const fragment = call.function?.arguments ?? ""
  // Without an index, a new id starts a new call and anything else continues the last one.
  const last = state.toolCalls[state.toolCalls.length - 1]
  const index =
    call.index ??
    (id !== undefined && !state.toolCalls.some((known) => known.id === id) ? state.toolCalls.length : last?.index ?? 0)
  const position = state.toolCalls.findIndex((known) => known.index === index)
  const known = position === -1 ? undefined : state.toolCalls[position]
  if (known === undefined && state.toolCalls.length >= state.limits.maxToolCalls) return invalid(`more than ${state.limits.maxToolCalls} tool calls`)
  const callChars = (known?.argumentChars ?? 0) + fragment.length
  const streamChars = state.argumentChars + fragment.length
  if (callChars > state.limits.maxArgumentCharsPerCall) return invalid("tool call arguments exceed the per-call limit")
  if (streamChars > state.limits.maxArgumentCharsPerStream) return invalid("tool call arguments exceed the per-stream limit")
  const updated: UpstreamToolCall = {
    index,
    id: known?.id ?? id,
    named: (known?.named ?? false) || (name !== undefined && name !== ""),
    argumentChars: callChars,
  }
  const toolCalls = known === undefined ? [...state.toolCalls, updated] : state.toolCalls.map((c, i) => (i === position ? updated : c))
  let delta: ToolCallDelta = { index }
  if (id !== undefined && known?.id === undefined) delta = { ...delta, id }
  if (name !== undefined && name !== "" && known?.named !== true) delta = { ...delta, name }
  if (fragment !== "") delta = { ...delta, argumentsDelta: fragment }
  return { type: "ok", state: { ...state, toolCalls, argumentChars: streamChars }, delta }
}

function decodeEnd(state: StreamDecoderState): Step {
  if (!state.finished) {
    return failed(state, { _tag: "UpstreamError", code: "upstream_stream_incomplete", detail: "the upstream stream ended without a finish reason" })
  }
  if (state.toolCalls.some((call) => !call.named)) {
    return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: "a tool call never received a function name" })
  }
  return [{ ...state, phase: "closed" }, NOTHING]
}

/** In-stream error frames carry no HTTP status; derive one from the code or type, as the AI SDK does. */
function errorFrameToReason(frame: StreamErrorFrame): GatewayError {
  const error = frame.error
  const hint = typeof error === "string" ? error : `${error.code ?? ""} ${error.type ?? ""}`
  const status = /insufficient_quota|rate_limit/.test(hint)
    ? 429
    : /authentication|invalid_api_key/.test(hint)
      ? 401
      : /context_length|invalid_request/.test(hint)
        ? 400
        : /overloaded|unavailable/.test(hint)
          ? 503
          : 500
  return fromUpstreamError({ status, body: JSON.stringify(frame), header: () => undefined }, 0)
}

function failed(state: StreamDecoderState, error: GatewayError): Step {
  return [{ ...state, phase: "closed" }, [{ type: "error", error }]]
}

function invalid(detail: string): ToolStep {
  return { type: "error", error: { _tag: "UpstreamError", code: "invalid_upstream_stream", detail } }
}
