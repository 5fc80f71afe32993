import type { GatewayError } from "../errors/gateway-error.ts"
import { answeringModel } from "../model/answering-model.ts"
import type { GenerateChunk, TokenUsage } from "../model/types.ts"
import type { ChatCompletionChunkOut, ChunkChoiceOut, ChunkDeltaOut, ToolCallDeltaOut } from "../wire/chat-chunk-out.ts"
import type { FinishReasonOut, LogprobsOut } from "../wire/chat-completion-out.ts"
import type { CompletionIdentity } from "./completion-identity.ts"
import { annotationsToOpenAI } from "./map-annotations.ts"
import { finishReasonToOpenAI } from "./map-finish-reason.ts"
import { logprobsToOpenAI } from "./map-logprobs.ts"
import { thinkingBlocksToOpenAI } from "./map-thinking-blocks.ts"
import { serviceTierToOpenAI } from "./map-service-tier.ts"
import { usageToOpenAI } from "./map-usage.ts"
import { streamLimits, type StreamLimits } from "./stream-limits.ts"
import { addToolCallFragment, finishToolCalls, initialToolCallAccumulator, type ToolCallAccumulator, type ToolCallEvent } from "./tool-call-accumulator.ts"

/**
 * The server-side stream reducer: internal GenerateChunks in, OpenAI chunks out.
 * Guarantees what strict clients check (the OpenAI SDK's `.stream()` helper,
 * LangChain, the AI SDK), per choice (n > 1, by index): the first chunk of a choice
 * carries `role: "assistant"` (with `content: null` when it has nothing else: content
 * stays null until text comes, and a choice that said nothing ends with `""`, as the
 * non-streamed answer has it); `id` and `created` never change, and `model` is the model
 * answering (answeringModel: from the chunk where a provider names a substitute, e.g.
 * Anthropic's fallback block, every later chunk, the usage chunk too, says it); each tool call
 * is announced once as `{index, id, type: "function", function: {name, arguments: ""}}`
 * and its arguments follow as fragments under the same `index` (indices 0..n-1 in
 * order of starting; the accumulator rule of tool-call-accumulator.ts); exactly one
 * chunk has a `finish_reason`, always a spec value; the usage chunk (`choices: []`)
 * comes only when the client asked for it and the backend reported usage; usage the
 * upstream sends unasked (GenerateChunk.usageUnsolicited) reaches a client that did not
 * ask on the chunk it came with (or, if that says nothing, the next one sent, or a last
 * `choices: []` chunk), once, as it would directly; logprobs
 * and citations travel with their delta; upstream extension fields are forwarded on
 * the next chunk sent. A stream that ends without a finish reason ends in an error,
 * never in an invented `stop`.
 */
export type StreamEncoderEvent = { readonly type: "chunk"; readonly chunk: GenerateChunk } | { readonly type: "end" } | { readonly type: "error"; readonly error: GatewayError }

export type StreamEncoderOutput = { readonly type: "chunk"; readonly chunk: ChatCompletionChunkOut } | { readonly type: "error"; readonly error: GatewayError } | { readonly type: "done" }

interface EncoderChoice {
  readonly index: number
  readonly roleSent: boolean
  readonly finished: boolean
  readonly toolCalls: ToolCallAccumulator
  /** What the choice said so far, for its content at the end: text, or tool calls or a refusal (then content stays null). */
  readonly said: "nothing" | "text" | "silent"
}

export interface StreamEncoderState {
  readonly identity: CompletionIdentity
  readonly includeUsage: boolean
  readonly limits: StreamLimits
  readonly phase: "streaming" | "closed"
  readonly choices: readonly EncoderChoice[]
  readonly usage: TokenUsage | undefined
  /** Usage the upstream sent unasked that a client who did not ask has not been sent yet. */
  readonly unsolicitedUsagePending: boolean
  readonly systemFingerprint: string | undefined
  readonly serviceTier: string | undefined
  /** Upstream extension fields not yet sent: they go on the next chunk. */
  readonly pendingExtensions: Readonly<Record<string, unknown>> | undefined
}

const MAX_CHOICES = 128

export function initialStreamEncoderState(identity: CompletionIdentity, includeUsage: boolean, limits: StreamLimits = streamLimits): StreamEncoderState {
  return {
    identity,
    includeUsage,
    limits,
    phase: "streaming",
    choices: [],
    usage: undefined,
    unsolicitedUsagePending: false,
    systemFingerprint: undefined,
    serviceTier: undefined,
    pendingExtensions: undefined,
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

type MutableDelta = { -readonly [K in keyof ChunkDeltaOut]: ChunkDeltaOut[K] }

function encodeChunk(initial: StreamEncoderState, chunk: GenerateChunk): Step {
  let state = initial
  const model = answeringModel(state.identity.model, chunk)
  if (model !== state.identity.model) state = { ...state, identity: { ...state.identity, model } }
  if (chunk.usage !== undefined) state = { ...state, usage: chunk.usage, unsolicitedUsagePending: !state.includeUsage && chunk.usageUnsolicited === true }
  if (chunk.systemFingerprint !== undefined && state.systemFingerprint === undefined) state = { ...state, systemFingerprint: chunk.systemFingerprint }
  if (chunk.serviceTier !== undefined && state.serviceTier === undefined) state = { ...state, serviceTier: chunk.serviceTier }
  if (chunk.extensions !== undefined) state = { ...state, pendingExtensions: { ...state.pendingExtensions, ...chunk.extensions } }

  const hasDelta =
    nonEmpty(chunk.deltaContent) ||
    nonEmpty(chunk.deltaReasoning) ||
    nonEmpty(chunk.deltaRefusal) ||
    (chunk.thinkingBlocks?.length ?? 0) > 0 ||
    (chunk.deltaToolCalls?.length ?? 0) > 0 ||
    chunk.logprobs !== undefined ||
    (chunk.annotations?.length ?? 0) > 0
  const index = chunk.choiceIndex ?? 0
  const known = state.choices.find((c) => c.index === index)
  // A chunk with nothing to say is silent, except the very first: the role chunk leaves at once.
  if (!hasDelta && chunk.finishReason === undefined && (known !== undefined || state.choices.length > 0)) return [state, NOTHING]
  if (known?.finished === true) return protocolError(state, "the backend sent output after its finish reason")
  if (known === undefined && (state.choices.length >= MAX_CHOICES || !Number.isInteger(index) || index < 0)) return protocolError(state, `unexpected choice index ${index}`)
  let choice: EncoderChoice = known ?? { index, roleSent: false, finished: false, toolCalls: initialToolCallAccumulator(state.limits), said: "nothing" }

  const pieces: { delta: ChunkDeltaOut; logprobs: LogprobsOut | null }[] = []
  let delta: MutableDelta = {}
  let logprobs: LogprobsOut | null = chunk.logprobs === undefined ? null : logprobsToOpenAI(chunk.logprobs)
  if (!choice.roleSent) {
    delta.role = "assistant"
    choice = { ...choice, roleSent: true }
  }
  if (nonEmpty(chunk.deltaContent)) delta.content = chunk.deltaContent
  if (nonEmpty(chunk.deltaReasoning)) delta.reasoning_content = chunk.deltaReasoning
  if (nonEmpty(chunk.deltaRefusal)) delta.refusal = chunk.deltaRefusal
  if (chunk.thinkingBlocks !== undefined && chunk.thinkingBlocks.length > 0) delta.thinking_blocks = thinkingBlocksToOpenAI(chunk.thinkingBlocks)
  if (chunk.annotations !== undefined && chunk.annotations.length > 0) delta.annotations = annotationsToOpenAI(chunk.annotations)

  const fragments: ToolCallDeltaOut[] = []
  for (const toolDelta of chunk.deltaToolCalls ?? []) {
    const step = addToolCallFragment(choice.toolCalls, { index: toolDelta.index, id: toolDelta.id, name: toolDelta.name, arguments: toolDelta.argumentsDelta })
    if (!step.ok) return protocolError(state, step.detail)
    choice = { ...choice, toolCalls: step.accumulator }
    fragments.push(...step.events.map(toWireFragment))
  }
  if (chunk.finishReason !== undefined) {
    const step = finishToolCalls(choice.toolCalls)
    if (!step.ok) return protocolError(state, step.detail)
    choice = { ...choice, toolCalls: step.accumulator, finished: true }
    fragments.push(...step.events.map(toWireFragment))
  }
  for (const fragment of fragments) {
    // A call's announcement and its arguments travel in separate chunks, as OpenAI sends them.
    if (delta.tool_calls !== undefined) {
      pieces.push({ delta, logprobs })
      delta = {}
      logprobs = null
    }
    delta.tool_calls = [fragment]
  }
  const finishReason: FinishReasonOut | null = chunk.finishReason === undefined ? null : finishReasonToOpenAI(chunk.finishReason, chunk.rawFinishReason)
  choice = { ...choice, said: saidAfter(choice.said, chunk) }
  // Content stays null until text comes, as OpenAI's role chunk before tool calls has it: the openai
  // SDK's stream helper turns any "" into content "" where the non-streamed answer says null. A choice
  // that said nothing at all ends with "", as the non-streamed answer has it.
  if (finishReason === null && delta.role !== undefined && !hasContent(delta)) delta.content = null
  if (finishReason !== null && choice.said === "nothing" && delta.content === undefined) delta.content = ""
  if (hasContent(delta) || delta.role !== undefined || finishReason !== null || logprobs !== null) pieces.push({ delta, logprobs })

  const finalChoice = choice
  const choices = known === undefined ? [...state.choices, finalChoice] : state.choices.map((c) => (c.index === index ? finalChoice : c))
  state = { ...state, choices }
  const outputs: StreamEncoderOutput[] = []
  for (const [position, piece] of pieces.entries()) {
    const last = position === pieces.length - 1
    const [next, out] = chunkOf(state, [{ index, delta: piece.delta, logprobs: piece.logprobs, finish_reason: last ? finishReason : null }])
    state = next
    outputs.push({ type: "chunk", chunk: last ? withUnsolicitedUsage(state, out) : out })
    if (last) state = { ...state, unsolicitedUsagePending: false }
  }
  return [state, outputs.length === 0 ? NOTHING : outputs]
}

/** Text makes the content a string; tool calls or a refusal without text keep it null (the collect rule of collect-generate-result.ts). */
function saidAfter(said: EncoderChoice["said"], chunk: GenerateChunk): EncoderChoice["said"] {
  if (said === "text" || nonEmpty(chunk.deltaContent)) return "text"
  return nonEmpty(chunk.deltaRefusal) || (chunk.deltaToolCalls?.length ?? 0) > 0 ? "silent" : said
}

function toWireFragment(event: ToolCallEvent): ToolCallDeltaOut {
  return event.type === "start" ? { index: event.position, id: event.id, type: "function", function: { name: event.name, arguments: "" } } : { index: event.position, function: { arguments: event.text } }
}

function encodeEnd(initial: StreamEncoderState): Step {
  let state = initial
  if (state.choices.length === 0 || state.choices.some((choice) => !choice.finished)) {
    return protocolError(state, "the model stream ended without a finish reason")
  }
  const outputs: StreamEncoderOutput[] = []
  // Usage nobody reported is left out rather than sent as zeros.
  if ((state.includeUsage && state.usage !== undefined) || state.unsolicitedUsagePending || state.pendingExtensions !== undefined) {
    const [next, chunk] = chunkOf(state, [])
    state = next
    outputs.push({ type: "chunk", chunk: state.includeUsage && state.usage !== undefined ? { ...chunk, usage: usageToOpenAI(state.usage) } : withUnsolicitedUsage(state, chunk) })
  }
  outputs.push({ type: "done" })
  return [{ ...state, phase: "closed" }, outputs]
}

/** The chunk with the unsolicited usage not yet sent, if any. */
function withUnsolicitedUsage(state: StreamEncoderState, chunk: ChatCompletionChunkOut): ChatCompletionChunkOut {
  return state.unsolicitedUsagePending && state.usage !== undefined ? { ...chunk, usage: usageToOpenAI(state.usage) } : chunk
}

/** One outgoing chunk; pending extension fields go out on it (never over a field the gateway sets). */
function chunkOf(state: StreamEncoderState, choices: readonly ChunkChoiceOut[]): [StreamEncoderState, ChatCompletionChunkOut] {
  const { id, created, model } = state.identity
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(state.pendingExtensions ?? {})) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  let chunk: ChatCompletionChunkOut = Object.assign(out, { id, object: "chat.completion.chunk" as const, created, model, choices })
  if (state.systemFingerprint !== undefined) chunk = { ...chunk, system_fingerprint: state.systemFingerprint }
  const tier = serviceTierToOpenAI(state.serviceTier)
  if (tier !== undefined) chunk = { ...chunk, service_tier: tier }
  return [state.pendingExtensions === undefined ? state : { ...state, pendingExtensions: undefined }, chunk]
}

function protocolError(state: StreamEncoderState, detail: string): Step {
  return [{ ...state, phase: "closed" }, [{ type: "error", error: { _tag: "UpstreamError", code: "invalid_upstream_stream", detail } }]]
}

function hasContent(delta: ChunkDeltaOut): boolean {
  return delta.content !== undefined || delta.reasoning_content !== undefined || delta.thinking_blocks !== undefined || delta.refusal !== undefined || delta.tool_calls !== undefined || delta.annotations !== undefined
}

function nonEmpty(text: string | undefined): text is string {
  return text !== undefined && text !== ""
}
