import { Schema } from "effect"
import type { GatewayError } from "../errors/gateway-error.ts"
import { openAIErrorStatus } from "../errors/error-body-status.ts"
import { fromUpstreamError } from "../errors/from-upstream-error.ts"
import type { GenerateChunk, Repair, ToolCallDelta } from "../model/types.ts"
import { hasOneTextChoice, learnChunkLineTemplate, readChunkLine, type ChunkLineTemplate } from "./chunk-line-template.ts"
import { isPlainTextChunk } from "./is-plain-text-chunk.ts"
import { ChatCompletionChunk, StreamErrorFrame, type ChunkChoice } from "../wire/chat-chunk.ts"
import { annotationsFromOpenAI } from "./map-annotations.ts"
import { finishReasonFromOpenAI } from "./map-finish-reason.ts"
import { logprobsFromOpenAI } from "./map-logprobs.ts"
import { usageFromGroq, usageFromOpenAI } from "./map-usage.ts"
import { readContentParts } from "./read-content-parts.ts"
import { readCreated } from "./read-created.ts"
import { readToolArguments } from "./read-tool-arguments.ts"
import { readUpstreamExtensions } from "./read-upstream-extensions.ts"
import { streamLimits, type StreamLimits } from "./stream-limits.ts"
import { addToolCallFragment, finishToolCalls, hasToolCalls, initialToolCallAccumulator, type ToolCallAccumulator, type ToolCallEvent, type ToolCallFragment } from "./tool-call-accumulator.ts"

/**
 * The backend-side stream reducer: the `data:` payloads of an OpenAI-compatible
 * upstream's SSE stream in, internal GenerateChunks out. Keeps reasoning (also from
 * Magistral `thinking` parts), usage (also Groq's `x_groq.usage`), logprobs, citations
 * and the upstream's extension fields; maps every choice by index (n > 1); joins tool
 * calls by the one accumulator rule, within bounds; reads a legacy `function_call`
 * stream as a tool call; turns an in-stream `{"error":…}` frame into its reason; drops
 * a choice's output after its finish reason (repair `output_after_finish`).
 * A stream that ends with `[DONE]` but no finish reason is finished as `tool_calls`
 * or `stop` and the repair recorded; one cut without `[DONE]` and without a finish
 * reason is an error, never a silent `stop`.
 */
export type StreamDecoderEvent =
  | { readonly type: "data"; readonly data: string }
  /** A chunk some transport already parsed (the benchmark uses it to time translation alone). */
  | { readonly type: "json"; readonly value: unknown }
  | { readonly type: "end" }

export type StreamDecoderOutput = { readonly type: "chunk"; readonly chunk: GenerateChunk } | { readonly type: "error"; readonly error: GatewayError }

interface DecoderChoice {
  readonly index: number
  readonly finished: boolean
  readonly toolCalls: ToolCallAccumulator
}

export interface StreamDecoderState {
  readonly limits: StreamLimits
  readonly phase: "streaming" | "done" | "closed"
  readonly choices: readonly DecoderChoice[]
  readonly identitySent: boolean
  readonly seen: { readonly id: boolean; readonly model: boolean; readonly created: boolean }
  /** Repairs already reported, so each is named once. */
  readonly repaired: readonly Repair[]
  /** Whether an in-stream error frame's message may reach the client (redacted), as the model's config says. */
  readonly exposeMessage: boolean
  /** How the stream's text chunks are read without a full JSON.parse, once learned. */
  readonly lineTemplate?: ChunkLineTemplate
  /** Templates tried so far: a stream whose lines never repeat stops learning after a few. */
  readonly templatesTried?: number
}

/** Learning costs two parses of a line; a stream pays it at most this often. */
const MAX_TEMPLATES_TRIED = 4

/** The spec's maximum `n`: more choices than that is not an answer to any request. */
const MAX_CHOICES = 128

export function initialStreamDecoderState(limits: StreamLimits = streamLimits, options: { readonly exposeMessage?: boolean } = {}): StreamDecoderState {
  return { limits, phase: "streaming", choices: [], identitySent: false, seen: { id: false, model: false, created: false }, repaired: [], exposeMessage: options.exposeMessage !== false }
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
  if (state.lineTemplate !== undefined) {
    const read = readChunkLine(state.lineTemplate, data)
    if (read !== undefined) return decodeValue(state, read)
  }
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: "a stream event is not JSON" })
  }
  const tried = state.templatesTried ?? 0
  if (tried >= MAX_TEMPLATES_TRIED || !hasOneTextChoice(value)) return decodeValue(state, value)
  const lineTemplate = learnChunkLineTemplate(data, value)
  return decodeValue({ ...state, templatesTried: tried + 1, ...(lineTemplate === undefined ? {} : { lineTemplate }) }, value)
}

function decodeValue(state: StreamDecoderState, value: unknown): Step {
  if (isPlainTextChunk(value)) return decodeChunk(state, value)
  if (isErrorFrame(value)) return failed(state, errorFrameToReason(value, state.exposeMessage))
  if (!isChunk(value)) return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: "a stream event is not a chat completion chunk" })
  return decodeChunk(state, value)
}

type MutableChunk = { -readonly [K in keyof GenerateChunk]: GenerateChunk[K] }

function decodeChunk(initial: StreamDecoderState, chunk: ChatCompletionChunk): Step {
  let state = initial
  const repairs: Repair[] = []
  const base: MutableChunk = {}
  const created = readCreated(chunk.created)
  if (created.fromString) repairs.push("created_string")
  const id = chunk.id ?? ""
  const model = chunk.model ?? ""
  if (!state.identitySent && id !== "") {
    base.id = id
    if (model !== "") base.model = model
    if (created.created !== undefined) base.created = created.created
    state = { ...state, identitySent: true }
  }
  state = { ...state, seen: { id: state.seen.id || id !== "", model: state.seen.model || model !== "", created: state.seen.created || created.created !== undefined } }
  if (chunk.system_fingerprint != null) base.systemFingerprint = chunk.system_fingerprint
  if (chunk.service_tier != null) base.serviceTier = chunk.service_tier
  const groqUsage = chunk.x_groq?.usage
  if (chunk.usage != null) {
    base.usage = usageFromOpenAI(chunk.usage)
    if ((chunk.choices?.length ?? 0) > 0) base.usageUnsolicited = true
  } else if (groqUsage != null) base.usage = usageFromGroq(groqUsage)
  const extensions = readUpstreamExtensions(chunk)
  if (extensions !== undefined) base.extensions = extensions

  const outputs: GenerateChunk[] = []
  for (const choice of chunk.choices ?? []) {
    const step = decodeChoice(state, choice, repairs)
    if (!step.ok) return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: step.detail })
    state = step.state
    if (step.chunk !== undefined) outputs.push(step.chunk)
  }
  const [reported, fresh] = report(state, repairs)
  state = reported
  if (fresh.length > 0) base.repaired = fresh
  const [first, ...rest] = outputs
  const merged = first === undefined ? base : { ...base, ...first }
  const all = Object.keys(merged).length === 0 ? rest : [merged, ...rest]
  return all.length === 0 ? [state, NOTHING] : [state, all.map((c) => ({ type: "chunk", chunk: c }))]
}

type ChoiceStep = { readonly ok: true; readonly state: StreamDecoderState; readonly chunk: GenerateChunk | undefined } | { readonly ok: false; readonly detail: string }

function decodeChoice(state: StreamDecoderState, choice: ChunkChoice, repairs: Repair[]): ChoiceStep {
  const index = choice.index ?? 0
  let current = state.choices.find((c) => c.index === index)
  if (current === undefined) {
    if (state.choices.length >= MAX_CHOICES || !Number.isInteger(index) || index < 0) return { ok: false, detail: `unexpected choice index ${index}` }
    current = { index, finished: false, toolCalls: initialToolCallAccumulator(state.limits) }
  }
  // Output after the choice's finish: no client accepts it, and the row says the answer ended there.
  if (current.finished) {
    if (saysSomething(choice)) repairs.push("output_after_finish")
    return { ok: true, state, chunk: undefined }
  }
  const out: MutableChunk = index === 0 ? {} : { choiceIndex: index }
  const delta = choice.delta
  if (delta != null) {
    const content = readContentParts(delta.content)
    repairs.push(...content.repaired)
    if (content.text !== null && content.text !== "") out.deltaContent = content.text
    // `reasoning_content: ""` beside `reasoning: "…"` must not hide the text.
    const reasoning = [delta.reasoning_content, delta.reasoning, content.reasoning].find((text) => text != null && text !== "")
    if (reasoning != null) out.deltaReasoning = reasoning
    if (delta.refusal != null && delta.refusal !== "") out.deltaRefusal = delta.refusal
    if (content.unknownParts.length > 0) out.unknownParts = content.unknownParts
    const fragments: ToolCallFragment[] = []
    for (const call of delta.tool_calls ?? []) fragments.push(fragmentOf(call.index ?? undefined, call.id ?? undefined, call.function?.name ?? undefined, call.function?.arguments, repairs))
    // The deprecated single function call streams as one call without an id.
    if (delta.function_call != null) fragments.push(fragmentOf(0, undefined, delta.function_call.name ?? undefined, delta.function_call.arguments, repairs))
    let toolCalls = current.toolCalls
    const deltas: ToolCallDelta[] = []
    for (const fragment of fragments) {
      const step = addToolCallFragment(toolCalls, fragment)
      if (!step.ok) return step
      toolCalls = step.accumulator
      deltas.push(...toolCallDeltas(step.events))
    }
    current = { ...current, toolCalls }
    if (deltas.length > 0) out.deltaToolCalls = deltas
    if (delta.annotations != null && delta.annotations.length > 0) {
      const { citations, invalid } = annotationsFromOpenAI(delta.annotations)
      if (citations.length > 0) out.annotations = citations
      if (invalid > 0) repairs.push("annotation_invalid")
    }
  }
  if (choice.logprobs != null) out.logprobs = logprobsFromOpenAI(choice.logprobs)
  const rawFinish = choice.finish_reason ?? ""
  // An empty string on an ordinary chunk is not a finish.
  if (rawFinish !== "" && !current.finished) {
    const finish = finishChoice(current, repairs)
    if (!finish.ok) return finish
    current = finish.choice
    if (finish.deltas.length > 0) out.deltaToolCalls = [...(out.deltaToolCalls ?? []), ...finish.deltas]
    out.finishReason = finishReasonFromOpenAI(rawFinish)
    out.rawFinishReason = rawFinish
  }
  const updated = current
  const choices = state.choices.some((c) => c.index === index) ? state.choices.map((c) => (c.index === index ? updated : c)) : [...state.choices, updated]
  const meaningful = Object.keys(out).some((key) => key !== "choiceIndex")
  return { ok: true, state: { ...state, choices }, chunk: meaningful ? out : undefined }
}

/** Whether a choice's chunk carries output (text, reasoning, refusal, tool calls, citations, logprobs), not just an empty delta. */
function saysSomething(choice: ChunkChoice): boolean {
  const delta = choice.delta
  if (choice.logprobs != null) return true
  if (delta == null) return false
  const content = readContentParts(delta.content)
  return (
    (content.text !== null && content.text !== "") ||
    content.reasoning !== "" ||
    content.unknownParts.length > 0 ||
    [delta.reasoning_content, delta.reasoning, delta.refusal].some((text) => text != null && text !== "") ||
    (delta.tool_calls?.length ?? 0) > 0 ||
    delta.function_call != null ||
    (delta.annotations?.length ?? 0) > 0
  )
}

function fragmentOf(index: number | undefined, id: string | undefined, name: string | undefined, args: Parameters<typeof readToolArguments>[0], repairs: Repair[]): ToolCallFragment {
  const text = readToolArguments(args)
  if (text.stringified) repairs.push("tool_arguments_object")
  return { index, id, name, arguments: text.text }
}

type FinishStep = { readonly ok: true; readonly choice: DecoderChoice; readonly deltas: readonly ToolCallDelta[] } | { readonly ok: false; readonly detail: string }

function finishChoice(choice: DecoderChoice, repairs: Repair[]): FinishStep {
  const step = finishToolCalls(choice.toolCalls)
  if (!step.ok) return step
  if (step.standInIds > 0) repairs.push("tool_call_id_missing")
  return { ok: true, choice: { ...choice, finished: true, toolCalls: step.accumulator }, deltas: toolCallDeltas(step.events) }
}

/** Accumulator events as internal deltas: a start with the arguments that directly follow it. */
export function toolCallDeltas(events: readonly ToolCallEvent[]): ToolCallDelta[] {
  const deltas: ToolCallDelta[] = []
  for (const event of events) {
    if (event.type === "start") {
      deltas.push({ index: event.position, id: event.id, name: event.name })
      continue
    }
    const last = deltas[deltas.length - 1]
    if (last !== undefined && last.index === event.position && last.argumentsDelta === undefined) deltas[deltas.length - 1] = { ...last, argumentsDelta: event.text }
    else deltas.push({ index: event.position, argumentsDelta: event.text })
  }
  return deltas
}

/** The repairs not yet reported, each once. */
function report(state: StreamDecoderState, repairs: readonly Repair[]): [StreamDecoderState, Repair[]] {
  const fresh = [...new Set(repairs)].filter((repair) => !state.repaired.includes(repair))
  return fresh.length === 0 ? [state, fresh] : [{ ...state, repaired: [...state.repaired, ...fresh] }, fresh]
}

function decodeEnd(initial: StreamDecoderState): Step {
  let state = initial
  const choices = state.choices.length === 0 ? [{ index: 0, finished: false, toolCalls: initialToolCallAccumulator(state.limits) }] : state.choices
  const unfinished = choices.filter((choice) => !choice.finished)
  if (unfinished.length > 0 && state.phase !== "done") {
    return failed(state, { _tag: "UpstreamError", code: "upstream_stream_incomplete", detail: "the upstream stream ended without a finish reason" })
  }
  const repairs: Repair[] = []
  const outputs: GenerateChunk[] = []
  // [DONE] without a finish reason: every client accepts it, so finish what was said.
  for (const choice of unfinished) {
    const reason = hasToolCalls(choice.toolCalls) ? "tool_calls" : "stop"
    const finish = finishChoice(choice, repairs)
    if (!finish.ok) return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: finish.detail })
    repairs.push("finish_reason_missing")
    const chunk: MutableChunk = choice.index === 0 ? { finishReason: reason } : { choiceIndex: choice.index, finishReason: reason }
    if (finish.deltas.length > 0) chunk.deltaToolCalls = finish.deltas
    outputs.push(chunk)
  }
  if (!state.seen.id) repairs.push("id_missing")
  if (!state.seen.model) repairs.push("model_missing")
  if (!state.seen.created) repairs.push("created_missing")
  const [reported, fresh] = report(state, repairs)
  state = reported
  if (fresh.length > 0) outputs.push({ repaired: fresh })
  return [{ ...state, phase: "closed" }, outputs.map((chunk) => ({ type: "chunk", chunk }))]
}

/** In-stream error frames carry no HTTP status; derive one from the code or type, as the AI SDK does. */
export function errorFrameToReason(frame: StreamErrorFrame, exposeMessage: boolean): GatewayError {
  return fromUpstreamError({ status: openAIErrorStatus(frame.error), body: JSON.stringify(frame), header: () => undefined }, 0, { exposeMessage })
}

function failed(state: StreamDecoderState, error: GatewayError): Step {
  return [{ ...state, phase: "closed" }, [{ type: "error", error }]]
}
