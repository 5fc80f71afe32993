import { Schema } from "effect"
import { toolCallDeltas, type StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { streamLimits, type StreamLimits } from "../chat/stream-limits.ts"
import { addToolCallFragment, finishToolCalls, initialToolCallAccumulator, type ToolCallAccumulator } from "../chat/tool-call-accumulator.ts"
import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateChunk, ToolCallDelta } from "../model/types.ts"
import { finishReasonFromGemini } from "./map-finish-reason.ts"
import { usageFromGemini } from "./map-usage.ts"
import { fromGeminiError } from "./from-gemini-error.ts"
import { geminiToolCallId, type GeminiResponseOptions } from "./from-generate-response.ts"
import { FunctionCallPartIn, GeminiGenerateResponse, GeminiStreamError, TextPartIn, type GeminiCandidate, type PartialArg } from "./wire.ts"

/**
 * The Gemini stream reducer: the `data:` payloads of `streamGenerateContent?alt=sse`
 * (each a whole GenerateContentResponse holding the next parts) in, GenerateChunks out.
 * Text is content, `thought` parts reasoning, function calls tool calls by the one
 * accumulator rule, with their thoughtSignature; a response whose parts change kind
 * (thought, text, call) gives a chunk per run, in the parts' order. Calls whose arguments stream
 * (`partialArgs` by JSON path, `willContinue`) are assembled and emitted whole when an
 * empty functionCall, another call or the finish closes them, within the stream
 * limits; an empty functionCall that says `willContinue` closes nothing. Usage is cumulative in every event; the last one counts. The stream has no
 * terminator: it must end after every candidate finished, else it is an error.
 */
export type GeminiStreamEvent = { readonly type: "data"; readonly data: string } | { readonly type: "end" }

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json }

interface OpenCall {
  readonly name: string
  readonly id: string | undefined
  readonly signature: string | undefined
  readonly args: { readonly [key: string]: Json }
  readonly chars: number
}

interface GeminiChoice {
  readonly index: number
  readonly finished: boolean
  readonly toolCalls: ToolCallAccumulator
  readonly callCount: number
  readonly open: OpenCall | undefined
}

export interface GeminiStreamState {
  readonly limits: StreamLimits
  /** See GeminiResponseOptions.toolCallIdPrefix. */
  readonly toolCallIdPrefix: string
  /** Whether an in-stream error body's message may reach the client (redacted), as the model's config says. */
  readonly exposeMessage: boolean
  readonly phase: "streaming" | "closed"
  readonly identitySent: boolean
  readonly choices: readonly GeminiChoice[]
}

export function initialGeminiStreamState(limits: StreamLimits = streamLimits, options: GeminiResponseOptions & { readonly exposeMessage?: boolean } = {}): GeminiStreamState {
  return { limits, toolCallIdPrefix: options.toolCallIdPrefix ?? "call_", exposeMessage: options.exposeMessage !== false, phase: "streaming", identitySent: false, choices: [] }
}

type Step = readonly [GeminiStreamState, readonly StreamDecoderOutput[]]
const NOTHING: readonly StreamDecoderOutput[] = []
const isResponse = Schema.is(GeminiGenerateResponse)
const isStreamError = Schema.is(GeminiStreamError)
const isText = Schema.is(TextPartIn)
const isFunctionCall = Schema.is(FunctionCallPartIn)
const MAX_CANDIDATES = 8

export function decodeGeminiStreamEvent(state: GeminiStreamState, event: GeminiStreamEvent): Step {
  if (state.phase === "closed") return [state, NOTHING]
  switch (event.type) {
    case "data": {
      let value: unknown
      try {
        value = JSON.parse(event.data)
      } catch {
        return failed(state, invalidStream("a stream event is not JSON"))
      }
      // An error body in the stream (a 429 or 5xx after the headers were sent): its reason, by the same mapper as a non-2xx answer.
      if (isStreamError(value)) return failed(state, fromGeminiError({ status: value.error.code ?? 500, body: event.data, header: () => undefined }, 0, { exposeMessage: state.exposeMessage }))
      if (!isResponse(value)) return failed(state, invalidStream("a stream event is not a GenerateContentResponse"))
      return decodeResponse(state, value)
    }
    case "end": {
      const done = state.choices.length > 0 && state.choices.every((choice) => choice.finished)
      if (done) return [{ ...state, phase: "closed" }, NOTHING]
      return failed(state, { _tag: "UpstreamError", code: "upstream_stream_incomplete", detail: "the upstream stream ended before a finish reason" })
    }
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

function decodeResponse(initial: GeminiStreamState, response: GeminiGenerateResponse): Step {
  let state = initial
  const base: Mutable<GenerateChunk> = {}
  if (!state.identitySent && response.responseId != null && response.responseId !== "") {
    base.id = response.responseId
    if (response.modelVersion != null) base.model = response.modelVersion
    state = { ...state, identitySent: true }
  }
  if (response.usageMetadata != null && response.usageMetadata.promptTokenCount != null) base.usage = usageFromGemini(response.usageMetadata)
  const outputs: GenerateChunk[] = []
  const candidates = response.candidates ?? []
  if (candidates.length === 0 && response.promptFeedback?.blockReason != null) {
    // The prompt was blocked: no candidate will come.
    const blocked = response.promptFeedback.blockReason
    const choice = { index: 0, finished: true, toolCalls: initialToolCallAccumulator(state.limits), callCount: 0, open: undefined }
    state = { ...state, choices: [choice] }
    outputs.push({ finishReason: "content_filter", rawFinishReason: blocked })
  }
  for (const [position, candidate] of candidates.entries()) {
    const step = decodeCandidate(state, candidate.index ?? position, candidate)
    if (!step.ok) return failed(state, invalidStream(step.detail))
    state = step.state
    outputs.push(...step.chunks)
  }
  const [first, ...rest] = outputs
  const merged = first === undefined ? base : { ...base, ...first }
  const all = Object.keys(merged).length === 0 ? rest : [merged, ...rest]
  return [state, all.map((chunk) => ({ type: "chunk", chunk }))]
}

type CandidateStep = { readonly ok: true; readonly state: GeminiStreamState; readonly chunks: readonly GenerateChunk[] } | { readonly ok: false; readonly detail: string }

/** A run of one kind of a candidate's parts: a chunk of its own, so parts of several kinds in one response keep their order. */
type PartRun = { readonly kind: "reasoning" | "content"; readonly text: string } | { readonly kind: "calls"; readonly deltas: readonly ToolCallDelta[] }

function withPartRun(runs: readonly PartRun[], run: PartRun): readonly PartRun[] {
  if (run.kind === "calls" ? run.deltas.length === 0 : run.text === "") return runs
  const last = runs[runs.length - 1]
  if (last?.kind === "calls" && run.kind === "calls") return [...runs.slice(0, -1), { kind: "calls", deltas: [...last.deltas, ...run.deltas] }]
  if (last !== undefined && last.kind !== "calls" && last.kind === run.kind) return [...runs.slice(0, -1), { kind: run.kind, text: last.text + run.text }]
  return [...runs, run]
}

function partRunChunk(run: PartRun): Mutable<GenerateChunk> {
  switch (run.kind) {
    case "reasoning":
      return { deltaReasoning: run.text }
    case "content":
      return { deltaContent: run.text }
    case "calls":
      return { deltaToolCalls: run.deltas }
    default: {
      const unreachable: never = run
      return unreachable
    }
  }
}

function decodeCandidate(state: GeminiStreamState, index: number, candidate: GeminiCandidate): CandidateStep {
  let choice = state.choices.find((c) => c.index === index)
  if (choice === undefined) {
    if (state.choices.length >= MAX_CANDIDATES || !Number.isInteger(index) || index < 0) return { ok: false, detail: `unexpected candidate index ${index}` }
    choice = { index, finished: false, toolCalls: initialToolCallAccumulator(state.limits), callCount: 0, open: undefined }
  }
  if (choice.finished) return { ok: true, state, chunks: [] }
  const out: Mutable<GenerateChunk> = {}
  let runs: readonly PartRun[] = []
  const unknownParts: Readonly<Record<string, unknown>>[] = []
  let textSignature: string | undefined
  for (const part of candidate.content?.parts ?? []) {
    if (isText(part)) {
      runs = withPartRun(runs, { kind: part.thought === true ? "reasoning" : "content", text: part.text })
      // Gemini 3 signs text too (often on a last part with empty text): sent back with the text next turn.
      if (part.thought !== true && part.thoughtSignature != null && part.thoughtSignature !== "") textSignature = part.thoughtSignature
      continue
    }
    if (!isFunctionCall(part)) {
      unknownParts.push(part)
      continue
    }
    const call = part.functionCall
    const name = call.name ?? ""
    const partial = call.partialArgs ?? []
    // An empty functionCall closes a streamed call; one that says willContinue (Vertex sends such keep-alive parts between partialArgs) is more of it.
    const closesOpen = partial.length === 0 && call.args == null && call.willContinue !== true
    if (name !== "" || closesOpen) {
      // A new call (or the empty functionCall that closes a streamed one) ends the open call.
      const closed = closeCall(choice, state.toolCallIdPrefix)
      if (!closed.ok) return closed
      choice = closed.choice
      runs = withPartRun(runs, { kind: "calls", deltas: closed.deltas })
    }
    if (name !== "" && call.willContinue === true) {
      choice = { ...choice, open: { name, id: call.id ?? undefined, signature: part.thoughtSignature ?? undefined, args: call.args == null ? {} : toJsonObject(call.args), chars: 0 } }
    } else if (name !== "") {
      const emitted = emitCall(choice, state.toolCallIdPrefix, { name, id: call.id ?? undefined, signature: part.thoughtSignature ?? undefined, args: call.args == null ? {} : toJsonObject(call.args), chars: 0 })
      if (!emitted.ok) return emitted
      choice = emitted.choice
      runs = withPartRun(runs, { kind: "calls", deltas: emitted.deltas })
    } else if (partial.length > 0) {
      if (choice.open === undefined) return { ok: false, detail: "function call arguments without an open call" }
      let open: OpenCall = choice.open
      for (const arg of partial) {
        const chars = open.chars + (arg.stringValue?.length ?? 8)
        if (chars > state.limits.maxArgumentCharsPerCall) return { ok: false, detail: "function call arguments longer than the stream limit" }
        const args = applyPartialArg(open.args, arg)
        if (args === undefined) return { ok: false, detail: `unreadable argument path ${arg.jsonPath}` }
        open = { ...open, args, chars }
      }
      choice = { ...choice, open }
    }
  }
  if (unknownParts.length > 0) out.unknownParts = unknownParts
  if (textSignature !== undefined) out.textSignature = textSignature
  const raw = candidate.finishReason ?? ""
  if (raw !== "") {
    const closed = closeCall(choice, state.toolCallIdPrefix)
    if (!closed.ok) return closed
    choice = closed.choice
    runs = withPartRun(runs, { kind: "calls", deltas: closed.deltas })
    const finish = finishToolCalls(choice.toolCalls)
    if (!finish.ok) return finish
    runs = withPartRun(runs, { kind: "calls", deltas: toolCallDeltas(finish.events) })
    choice = { ...choice, toolCalls: finish.accumulator, finished: true }
    out.finishReason = finishReasonFromGemini(raw, choice.callCount > 0)
    out.rawFinishReason = raw
  }
  const updated = choice
  const choices = state.choices.some((c) => c.index === index) ? state.choices.map((c) => (c.index === index ? updated : c)) : [...state.choices, updated]
  // The runs in order, the rest (unknown parts, signature, finish) on the last chunk.
  const pieces = runs.map(partRunChunk)
  const last = pieces.pop()
  const chunks = Object.keys(out).length > 0 || last !== undefined ? [...pieces, { ...last, ...out }] : pieces
  return { ok: true, state: { ...state, choices }, chunks: index === 0 ? chunks : chunks.map((chunk) => ({ choiceIndex: index, ...chunk })) }
}

type CallStep = { readonly ok: true; readonly choice: GeminiChoice; readonly deltas: readonly ToolCallDelta[] } | { readonly ok: false; readonly detail: string }

function closeCall(choice: GeminiChoice, idPrefix: string): CallStep {
  if (choice.open === undefined) return { ok: true, choice, deltas: [] }
  return emitCall({ ...choice, open: undefined }, idPrefix, choice.open)
}

function emitCall(choice: GeminiChoice, idPrefix: string, call: OpenCall): CallStep {
  const position = choice.callCount
  const id = call.id !== undefined && call.id !== "" ? call.id : geminiToolCallId(idPrefix, choice.index, position)
  const step = addToolCallFragment(choice.toolCalls, { index: position, id, name: call.name, arguments: JSON.stringify(call.args) })
  if (!step.ok) return step
  const deltas = toolCallDeltas(step.events)
  const signature = call.signature
  const signed = signature === undefined ? deltas : deltas.map((delta) => (delta.index === position && delta.id !== undefined ? { ...delta, signature } : delta))
  return { ok: true, choice: { ...choice, toolCalls: step.accumulator, callCount: position + 1 }, deltas: signed }
}

/** `$.a.b[0]['c d']` to its keys; undefined when it is not such a path. */
function pathKeys(path: string): (string | number)[] | undefined {
  if (!path.startsWith("$")) return undefined
  const keys: (string | number)[] = []
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/gy
  pattern.lastIndex = 1
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path)
    if (match === null) return undefined
    const index = match[2]
    keys.push(index !== undefined ? Number(index) : (match[1] ?? match[3] ?? match[4] ?? ""))
  }
  return keys.length === 0 ? undefined : keys
}

/** The arguments with one streamed value set at its path: strings continue what is there (they stream in pieces). */
function applyPartialArg(args: { readonly [key: string]: Json }, arg: PartialArg): { readonly [key: string]: Json } | undefined {
  const keys = pathKeys(arg.jsonPath)
  if (keys === undefined) return undefined
  const value: Json | undefined = arg.stringValue ?? arg.numberValue ?? arg.boolValue ?? ("nullValue" in arg ? null : undefined)
  if (value === undefined) return args
  const set = (node: Json | undefined, at: number): Json => {
    const key = keys[at]
    if (key === undefined) return typeof value === "string" && typeof node === "string" ? node + value : value
    if (typeof key === "number") {
      const list = Array.isArray(node) ? [...node] : []
      list[key] = set(list[key], at + 1)
      return list.map((item) => item ?? null)
    }
    const record: { [key: string]: Json } = isRecord(node) ? { ...node } : {}
    Object.defineProperty(record, key, { value: set(record[key], at + 1), enumerable: true, writable: true, configurable: true })
    return record
  }
  const result = set(args, 0)
  return isRecord(result) ? result : undefined
}

function isRecord(value: Json | undefined): value is { readonly [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

function toJsonObject(value: Readonly<Record<string, unknown>>): { readonly [key: string]: Json } {
  const parsed: unknown = JSON.parse(JSON.stringify(value))
  const out: { [key: string]: Json } = {}
  if (typeof parsed === "object" && parsed !== null) for (const [key, item] of Object.entries(parsed)) if (isJson(item)) Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true })
  return out
}

function isJson(value: unknown): value is Json {
  return value === null || ["string", "number", "boolean", "object"].includes(typeof value)
}

function failed(state: GeminiStreamState, error: GatewayError): Step {
  return [{ ...state, phase: "closed" }, [{ type: "error", error }]]
}

function invalidStream(detail: string): GatewayError {
  return { _tag: "UpstreamError", code: "invalid_upstream_stream", detail }
}
