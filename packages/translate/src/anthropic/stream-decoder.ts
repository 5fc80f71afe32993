import { Schema } from "effect"
import { toolCallDeltas, type StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { streamLimits, type StreamLimits } from "../chat/stream-limits.ts"
import { addToolCallFragment, finishToolCalls, initialToolCallAccumulator, type ToolCallAccumulator } from "../chat/tool-call-accumulator.ts"
import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateChunk, ThinkingBlock, ToolCallDelta } from "../model/types.ts"
import { fromAnthropicStreamError } from "./from-anthropic-error.ts"
import { fallbackModel } from "./fallback-model.ts"
import { stopReasonFromAnthropic } from "./map-stop-reason.ts"
import { usageFromAnthropic } from "./map-usage.ts"
import {
  CitationsDelta,
  ContentBlockDeltaEvent,
  ContentBlockStartEvent,
  ContentBlockStopEvent,
  ErrorEvent,
  InputJsonDelta,
  MessageDeltaEvent,
  MessageStartEvent,
  RedactedThinkingBlockIn,
  SignatureDelta,
  TextBlockIn,
  TextDelta,
  ThinkingBlockIn,
  ThinkingDelta,
  ToolUseBlockIn,
  type AnthropicUsage,
} from "./wire.ts"

/**
 * The Anthropic stream reducer: SSE events of a Messages API stream in (`event:` name
 * and `data:` JSON; the JSON's `type` decides), GenerateChunks out. Text deltas are
 * content, thinking deltas reasoning (each thinking block is also emitted whole with
 * its signature when it stops), tool_use blocks tool calls joined by the one
 * accumulator rule (a call that streamed no arguments gets `{}`, as the non-streamed
 * answer has), the forced structured-output tool's JSON is content (text beside it held
 * and kept apart, see AnthropicStreamState.heldText). Usage from
 * message_start and message_delta is merged (the later count wins); message_start's
 * output_tokens is a placeholder and is not reported. Content after the stop reason is
 * dropped (repair `output_after_finish`). A message_start under another id than the
 * first one's is a broken stream (a repeat under the same id is accepted). `ping` and unknown
 * event types are skipped, as Anthropic asks; an `error` event ends the stream with
 * its reason; a stream cut before message_stop is an error, never a silent stop.
 */
export type AnthropicStreamEvent = { readonly type: "event"; readonly event?: string | undefined; readonly data: string } | { readonly type: "end" }

type OpenBlock =
  | { readonly kind: "text" }
  | { readonly kind: "thinking"; readonly text: string; readonly signature: string }
  | { readonly kind: "redacted"; readonly data: string }
  | { readonly kind: "tool"; readonly position: number; readonly sawArguments: boolean }
  | { readonly kind: "structured"; readonly sawArguments: boolean }
  | { readonly kind: "other" }

export interface AnthropicStreamState {
  readonly limits: StreamLimits
  readonly structuredOutputTool: string | undefined
  readonly phase: "streaming" | "stopped" | "closed"
  readonly blocks: ReadonlyMap<number, OpenBlock>
  readonly toolCalls: ToolCallAccumulator
  readonly toolCount: number
  readonly usage: AnthropicUsage | undefined
  readonly finished: boolean
  readonly sawStructured: boolean
  /** Characters of thinking held for the signed block: bounded like tool arguments. */
  readonly heldChars: number
  readonly nowMs: number
  /**
   * Text of a structured-output stream (the forced tool's input is the content): held until
   * the stop, then kept apart (an unknown part) when the tool answered, else released as
   * the content (an answer that never called the tool, e.g. a refusal). Counted in heldChars.
   */
  readonly heldText?: string
  /** The id of the message this stream is (from the first message_start that named one). */
  readonly messageId?: string
  /** Whether output after the stop reason was dropped already (its repair is named once). */
  readonly droppedAfterFinish?: boolean
  /** Whether an in-stream error event's message may reach the client (redacted), as the model's config says. */
  readonly exposeMessage: boolean
}

export function initialAnthropicStreamState(options: { readonly structuredOutputTool?: string; readonly limits?: StreamLimits; readonly nowMs?: number; readonly exposeMessage?: boolean } = {}): AnthropicStreamState {
  const limits = options.limits ?? streamLimits
  return {
    limits,
    structuredOutputTool: options.structuredOutputTool,
    phase: "streaming",
    blocks: new Map(),
    toolCalls: initialToolCallAccumulator(limits),
    toolCount: 0,
    usage: undefined,
    finished: false,
    sawStructured: false,
    heldChars: 0,
    nowMs: options.nowMs ?? 0,
    exposeMessage: options.exposeMessage !== false,
  }
}

type Step = readonly [AnthropicStreamState, readonly StreamDecoderOutput[]]
const NOTHING: readonly StreamDecoderOutput[] = []

const isMessageStart = Schema.is(MessageStartEvent)
const isBlockStart = Schema.is(ContentBlockStartEvent)
const isBlockDelta = Schema.is(ContentBlockDeltaEvent)
const isBlockStop = Schema.is(ContentBlockStopEvent)
const isMessageDelta = Schema.is(MessageDeltaEvent)
const isError = Schema.is(ErrorEvent)
const isText = Schema.is(TextBlockIn)
const isThinking = Schema.is(ThinkingBlockIn)
const isRedacted = Schema.is(RedactedThinkingBlockIn)
const isToolUse = Schema.is(ToolUseBlockIn)
const isTextDelta = Schema.is(TextDelta)
const isJsonDelta = Schema.is(InputJsonDelta)
const isThinkingDelta = Schema.is(ThinkingDelta)
const isSignatureDelta = Schema.is(SignatureDelta)
const isCitationsDelta = Schema.is(CitationsDelta)

export function decodeAnthropicStreamEvent(state: AnthropicStreamState, event: AnthropicStreamEvent): Step {
  if (state.phase === "closed") return [state, NOTHING]
  switch (event.type) {
    case "event": {
      if (state.phase === "stopped") return [state, NOTHING]
      let value: unknown
      try {
        value = JSON.parse(event.data)
      } catch {
        return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: "a stream event is not JSON" })
      }
      return decodeValue(state, value)
    }
    case "end":
      if (state.phase === "stopped" && state.finished) return [{ ...state, phase: "closed" }, NOTHING]
      if (state.phase === "stopped") {
        // message_stop without a stop reason: every client accepts the answer, so finish what was said.
        const step = finishCalls(state)
        if (!step.ok) return failed(state, invalidStream(step.detail))
        const held = releaseHeldText(step.state)
        const chunk: GenerateChunk = {
          ...held,
          finishReason: step.deltas.length > 0 || state.toolCount > 0 ? "tool_calls" : "stop",
          repaired: [...(held.repaired ?? []), "finish_reason_missing"],
          ...(step.deltas.length > 0 ? { deltaToolCalls: step.deltas } : {}),
        }
        return [{ ...step.state, phase: "closed" }, [{ type: "chunk", chunk }]]
      }
      return failed(state, { _tag: "UpstreamError", code: "upstream_stream_incomplete", detail: "the upstream stream ended before message_stop" })
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

function decodeValue(state: AnthropicStreamState, value: unknown): Step {
  if (isMessageStart(value)) {
    const { id, model, usage } = value.message
    // A repeat under the same id is harmless; another id is another message spliced in (its blocks would overwrite this one's).
    if (id != null && id !== "" && state.messageId !== undefined && id !== state.messageId) return failed(state, invalidStream("a message_start for another message in the stream"))
    const chunk: { -readonly [K in keyof GenerateChunk]: GenerateChunk[K] } = {}
    if (id != null && id !== "") chunk.id = id
    if (model != null && model !== "") chunk.model = model
    // Its output_tokens is a placeholder (1), not the answer's: a stream cut before message_delta has no completion count.
    const start = usage == null ? undefined : withoutOutput(usage)
    const named = id != null && id !== "" && state.messageId === undefined ? { ...state, messageId: id } : state
    const next = start === undefined ? named : { ...named, usage: start }
    if (start !== undefined) chunk.usage = usageFromAnthropic(start)
    return emit(next, chunk)
  }
  // Content after the stop reason: no client accepts it, and the row says the answer ended there.
  if ((isBlockStart(value) || isBlockDelta(value)) && state.finished) return dropAfterFinish(state)
  if (isBlockStart(value)) return blockStart(state, value.index, value.content_block)
  if (isBlockDelta(value)) return blockDelta(state, value.index, value.delta)
  if (isBlockStop(value)) return blockStop(state, value.index)
  if (isMessageDelta(value)) {
    const usage = value.usage == null ? state.usage : { ...state.usage, ...definedOnly(value.usage) }
    let next: AnthropicStreamState = { ...state, usage }
    const chunk: { -readonly [K in keyof GenerateChunk]: GenerateChunk[K] } = {}
    if (usage !== undefined) chunk.usage = usageFromAnthropic(usage)
    const raw = value.delta?.stop_reason
    if (raw != null && raw !== "" && !state.finished) {
      const step = finishCalls(next)
      if (!step.ok) return failed(state, invalidStream(step.detail))
      next = { ...step.state, finished: true }
      if (step.deltas.length > 0) chunk.deltaToolCalls = step.deltas
      Object.assign(chunk, releaseHeldText(next))
      chunk.finishReason = stopReasonFromAnthropic(raw, state.sawStructured)
      chunk.rawFinishReason = raw
    }
    return emit(next, chunk)
  }
  if (isError(value)) return failed(state, fromAnthropicStreamError(value.error, state.nowMs, { exposeMessage: state.exposeMessage }))
  if (typeof value === "object" && value !== null && "type" in value && value.type === "message_stop") return [{ ...state, phase: "stopped" }, NOTHING]
  // ping, and event types added after this was written.
  return [state, NOTHING]
}

function blockStart(state: AnthropicStreamState, index: number, block: Readonly<Record<string, unknown>>): Step {
  const open = (kind: OpenBlock, next: AnthropicStreamState = state): AnthropicStreamState => ({ ...next, blocks: new Map([...next.blocks, [index, kind]]) })
  if (isText(block)) return text(open({ kind: "text" }), block.text)
  if (isThinking(block)) {
    const next = open({ kind: "thinking", text: block.thinking, signature: block.signature ?? "" })
    return emit(next, block.thinking === "" ? {} : { deltaReasoning: block.thinking })
  }
  if (isRedacted(block)) return [open({ kind: "redacted", data: block.data }), NOTHING]
  if (isToolUse(block)) {
    // Anthropic starts a call with `input: {}` and streams the arguments; a proxy may send them whole here.
    const initial = block.input !== undefined && !isEmptyObject(block.input) ? JSON.stringify(block.input) : ""
    if (block.name === state.structuredOutputTool) return emit(open({ kind: "structured", sawArguments: initial !== "" }, { ...state, sawStructured: true }), initial === "" ? {} : { deltaContent: initial })
    const position = state.toolCount
    const step = addToolCallFragment(state.toolCalls, { index: position, id: block.id, name: block.name, arguments: initial })
    if (!step.ok) return failed(state, invalidStream(step.detail))
    const next = open({ kind: "tool", position, sawArguments: initial !== "" }, { ...state, toolCalls: step.accumulator, toolCount: position + 1 })
    const deltas = toolCallDeltas(step.events)
    return emit(next, deltas.length === 0 ? {} : { deltaToolCalls: deltas })
  }
  // A fallback block: the model it names produces what follows, so it is the answer's model.
  const answeredBy = fallbackModel(block)
  return emit(open({ kind: "other" }), answeredBy === undefined ? { unknownParts: [block] } : { model: answeredBy, unknownParts: [block] })
}

function blockDelta(state: AnthropicStreamState, index: number, delta: Readonly<Record<string, unknown>>): Step {
  const block = state.blocks.get(index)
  const replace = (kind: OpenBlock, next: AnthropicStreamState = state): AnthropicStreamState => ({ ...next, blocks: new Map([...next.blocks, [index, kind]]) })
  if (block === undefined) return failed(state, invalidStream(`a delta for content block ${index}, which is not open`))
  if (isTextDelta(delta)) return text(state, delta.text)
  if (isThinkingDelta(delta) && block.kind === "thinking") {
    const heldChars = state.heldChars + delta.thinking.length
    if (heldChars > state.limits.maxArgumentCharsPerStream) return failed(state, invalidStream("thinking longer than the stream limit"))
    const next = replace({ ...block, text: block.text + delta.thinking }, { ...state, heldChars })
    return emit(next, delta.thinking === "" ? {} : { deltaReasoning: delta.thinking })
  }
  if (isSignatureDelta(delta) && block.kind === "thinking") return [replace({ ...block, signature: block.signature + delta.signature }), NOTHING]
  if (isJsonDelta(delta) && block.kind === "structured") {
    return emit(replace({ ...block, sawArguments: block.sawArguments || delta.partial_json !== "" }), delta.partial_json === "" ? {} : { deltaContent: delta.partial_json })
  }
  if (isJsonDelta(delta) && block.kind === "tool") {
    if (delta.partial_json === "") return [state, NOTHING]
    const step = addToolCallFragment(state.toolCalls, { index: block.position, arguments: delta.partial_json })
    if (!step.ok) return failed(state, invalidStream(step.detail))
    const next = replace({ ...block, sawArguments: true }, { ...state, toolCalls: step.accumulator })
    const deltas = toolCallDeltas(step.events)
    return emit(next, deltas.length === 0 ? {} : { deltaToolCalls: deltas })
  }
  if (isCitationsDelta(delta)) return emit(state, { unknownParts: [delta.citation] })
  // Delta kinds the internal interface has no field for: kept as they came.
  return emit(state, { unknownParts: [delta] })
}

function blockStop(state: AnthropicStreamState, index: number): Step {
  const block = state.blocks.get(index)
  const blocks = new Map(state.blocks)
  blocks.delete(index)
  const next = { ...state, blocks }
  if (block === undefined) return [next, NOTHING]
  switch (block.kind) {
    case "thinking": {
      const whole: ThinkingBlock = { type: "thinking", thinking: block.text, signature: block.signature }
      return emit({ ...next, heldChars: next.heldChars - block.text.length }, { thinkingBlocks: [whole] })
    }
    case "redacted":
      return emit(next, { thinkingBlocks: [{ type: "redacted_thinking", data: block.data }] })
    case "tool": {
      if (block.sawArguments) return [next, NOTHING]
      // A call without arguments streams none; the non-streamed answer says `{}`.
      const step = addToolCallFragment(next.toolCalls, { index: block.position, arguments: "{}" })
      if (!step.ok) return failed(state, invalidStream(step.detail))
      return emit({ ...next, toolCalls: step.accumulator }, { deltaToolCalls: toolCallDeltas(step.events) })
    }
    case "structured":
      return emit(next, block.sawArguments ? {} : { deltaContent: "{}" })
    case "text":
    case "other":
      return [next, NOTHING]
    default: {
      const unreachable: never = block
      return unreachable
    }
  }
}

/** Streamed text: content, except in a structured-output stream, where it is held (bounded like thinking) until the stop. */
function text(state: AnthropicStreamState, piece: string): Step {
  if (piece === "") return [state, NOTHING]
  if (state.structuredOutputTool === undefined) return emit(state, { deltaContent: piece })
  const heldChars = state.heldChars + piece.length
  if (heldChars > state.limits.maxArgumentCharsPerStream) return failed(state, invalidStream("text beside structured output longer than the stream limit"))
  return [{ ...state, heldChars, heldText: (state.heldText ?? "") + piece }, NOTHING]
}

/** What the held text of a structured-output stream becomes at the stop (see AnthropicStreamState.heldText). */
function releaseHeldText(state: AnthropicStreamState): Pick<GenerateChunk, "deltaContent" | "unknownParts" | "repaired"> {
  const held = state.heldText ?? ""
  if (held === "") return {}
  if (!state.sawStructured) return { deltaContent: held }
  return { unknownParts: [{ type: "text", text: held }], repaired: ["text_beside_structured_output"] }
}

type FinishStep = { readonly ok: true; readonly state: AnthropicStreamState; readonly deltas: readonly ToolCallDelta[] } | { readonly ok: false; readonly detail: string }

function finishCalls(state: AnthropicStreamState): FinishStep {
  const step = finishToolCalls(state.toolCalls)
  if (!step.ok) return step
  return { ok: true, state: { ...state, toolCalls: step.accumulator }, deltas: toolCallDeltas(step.events) }
}

function dropAfterFinish(state: AnthropicStreamState): Step {
  return state.droppedAfterFinish === true ? [state, NOTHING] : emit({ ...state, droppedAfterFinish: true }, { repaired: ["output_after_finish"] })
}

function emit(state: AnthropicStreamState, chunk: GenerateChunk): Step {
  return Object.keys(chunk).length === 0 ? [state, NOTHING] : [state, [{ type: "chunk", chunk }]]
}

function failed(state: AnthropicStreamState, error: GatewayError): Step {
  return [{ ...state, phase: "closed" }, [{ type: "error", error }]]
}

function invalidStream(detail: string): GatewayError {
  return { _tag: "UpstreamError", code: "invalid_upstream_stream", detail }
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
}

/** message_delta usage sends null for counts it does not restate; those must not erase message_start's. */
function definedOnly(usage: AnthropicUsage): AnthropicUsage {
  return Object.fromEntries(Object.entries(usage).filter((entry) => entry[1] !== null && entry[1] !== undefined))
}

/** message_start's output counts (output_tokens and its details) are placeholders: message_delta gives the answer's. */
function withoutOutput(usage: AnthropicUsage): AnthropicUsage {
  const { output_tokens: _placeholder, output_tokens_details: _details, ...rest } = usage
  return rest
}
