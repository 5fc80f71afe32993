import type { GatewayError } from "../errors/gateway-error.ts"
import { toOpenAIError } from "../errors/to-openai-error.ts"
import { streamLimits, type StreamLimits } from "../chat/stream-limits.ts"
import { addToolCallFragment, finishToolCalls, initialToolCallAccumulator, type ToolCallAccumulator, type ToolCallEvent } from "../chat/tool-call-accumulator.ts"
import { answeringModel } from "../model/answering-model.ts"
import type { FinishReason, GenerateChunk, TokenUsage, UrlCitation } from "../model/types.ts"
import type { FunctionCallItemOut, MessageContentOut, OutputItemOut, ResponseErrorCodeOut, ResponseOut, ResponseStreamEventOut, UrlCitationAnnotationOut } from "../wire/responses-out.ts"
import { statusFromFinishReason } from "./map-response-status.ts"
import { usageToResponses } from "./map-responses-usage.ts"
import { outputItemId, type ResponseIdentity } from "./response-identity.ts"
import type { ResponsesCall } from "./responses-call.ts"
import { responseObject } from "./to-response.ts"

/**
 * The /v1/responses stream reducer: internal GenerateChunks in, the spec's events out,
 * in the order OpenAI sends them: `response.created`, `response.in_progress`, then per
 * item `output_item.added` → (`content_part.added` → `output_text.delta`… →
 * `output_text.done` → `content_part.done`) → `output_item.done`, and last
 * `response.completed` (or `response.incomplete`, or `error` + `response.failed`).
 * `sequence_number` counts from 0. No `[DONE]`.
 *
 * Items: reasoning and the message "flow": a new kind of delta closes the flowing
 * item and opens the next (a message switches parts between text and refusal the same
 * way). Function calls follow the one accumulator rule (tool-call-accumulator.ts); each
 * stays open until the finish, so fragments of parallel calls may interleave.
 * Only choice 0 is read (the Responses API has no `n`). The Response's `model` is the model
 * answering (answeringModel): a substitute the provider names mid-stream is in every
 * snapshot after it, the final one included. Memory: the text the final
 * Response must carry, bounded by `maxOutputChars`, and the accumulator's bounds.
 */
export type ResponsesStreamEvent =
  /** Sends `response.created` and `response.in_progress` at once (else the first chunk does). */
  | { readonly type: "start" }
  | { readonly type: "chunk"; readonly chunk: GenerateChunk }
  /** The backend's stream ended; `completedAt` is the injected clock (Unix seconds). */
  | { readonly type: "end"; readonly completedAt: number }
  | { readonly type: "error"; readonly error: GatewayError }

export type ResponsesStreamOutput =
  | { readonly type: "event"; readonly event: ResponseStreamEventOut }
  /** Failed before any event was sent: the caller answers with an ordinary HTTP error instead. */
  | { readonly type: "refused"; readonly error: GatewayError }

export const responsesStreamLimits = { ...streamLimits, maxOutputChars: 32 * 1024 * 1024 } as const
export type ResponsesStreamLimits = StreamLimits & { readonly maxOutputChars: number }

interface FlowingMessage {
  readonly kind: "message"
  readonly outputIndex: number
  readonly id: string
  readonly parts: readonly MessageContentOut[]
  readonly open: MessageContentOut | undefined
}
interface FlowingReasoning {
  readonly kind: "reasoning"
  readonly outputIndex: number
  readonly id: string
  readonly text: string
}
interface OpenCall {
  readonly outputIndex: number
  readonly id: string
  readonly callId: string
  readonly name: string
  readonly arguments: string
}

export interface ResponsesStreamState {
  readonly identity: ResponseIdentity
  readonly call: Pick<ResponsesCall, "echo" | "reasoningOutput">
  readonly limits: ResponsesStreamLimits
  readonly phase: "idle" | "streaming" | "closed"
  readonly sequence: number
  readonly nextOutputIndex: number
  /** Closed items with their position (function calls close at the finish, after later items). */
  readonly done: readonly (readonly [number, OutputItemOut])[]
  readonly flowing: FlowingMessage | FlowingReasoning | undefined
  /** By accumulator position. */
  readonly calls: readonly OpenCall[]
  readonly toolCalls: ToolCallAccumulator
  readonly finishReason: FinishReason | undefined
  readonly usage: TokenUsage | undefined
  readonly serviceTier: string | undefined
  readonly chars: number
}

export function initialResponsesStreamState(identity: ResponseIdentity, call: Pick<ResponsesCall, "echo" | "reasoningOutput">, limits: ResponsesStreamLimits = responsesStreamLimits): ResponsesStreamState {
  return {
    identity,
    call,
    limits,
    phase: "idle",
    sequence: 0,
    nextOutputIndex: 0,
    done: [],
    flowing: undefined,
    calls: [],
    toolCalls: initialToolCallAccumulator(limits),
    finishReason: undefined,
    usage: undefined,
    serviceTier: undefined,
    chars: 0,
  }
}

type Step = readonly [ResponsesStreamState, readonly ResponsesStreamOutput[]]

/** Raised inside a step for a stream the gateway cannot translate; turned into `response.failed`. */
class Broken {
  readonly detail: string
  constructor(detail: string) {
    this.detail = detail
  }
}

/** One step's outputs, and the sequence numbers they take. */
class Emitter {
  readonly outputs: ResponsesStreamOutput[] = []
  state: ResponsesStreamState
  // No parameter properties: Harper loads these sources with Node's strip-only TypeScript.
  constructor(state: ResponsesStreamState) {
    this.state = state
  }
  emit(event: DistributiveOmit<ResponseStreamEventOut, "sequence_number">): void {
    // The spread keeps the event's own type; sequence_number is added to every member alike.
    const full = { ...event, sequence_number: this.state.sequence } as ResponseStreamEventOut
    this.outputs.push({ type: "event", event: full })
    this.state = { ...this.state, sequence: this.state.sequence + 1 }
  }
  set(patch: Partial<ResponsesStreamState>): void {
    this.state = { ...this.state, ...patch }
  }
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export function encodeResponsesStreamEvent(state: ResponsesStreamState, event: ResponsesStreamEvent): Step {
  if (state.phase === "closed") return [state, []]
  const out = new Emitter(state)
  try {
    switch (event.type) {
      case "start":
        start(out)
        break
      case "chunk":
        start(out)
        chunk(out, event.chunk)
        break
      case "end":
        end(out, event.completedAt)
        break
      case "error":
        return failWith(out, event.error)
      default: {
        const unreachable: never = event
        return unreachable
      }
    }
  } catch (thrown) {
    if (thrown instanceof Broken) return failWith(new Emitter(state), { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: thrown.detail })
    throw thrown
  }
  return [out.state, out.outputs]
}

/** Every event of a whole stream at once (the non-incremental form, for tests and buffered callers). */
export function encodeResponsesStream(identity: ResponseIdentity, call: Pick<ResponsesCall, "echo" | "reasoningOutput">, events: Iterable<ResponsesStreamEvent>): ResponsesStreamOutput[] {
  let state = initialResponsesStreamState(identity, call)
  const outputs: ResponsesStreamOutput[] = []
  for (const event of events) {
    const [next, out] = encodeResponsesStreamEvent(state, event)
    state = next
    outputs.push(...out)
  }
  return outputs
}

function snapshot(state: ResponsesStreamState, final: Pick<ResponseOut, "status" | "incomplete_details" | "error">, completedAt: number | null): ResponseOut {
  const output = [...state.done].sort((a, b) => a[0] - b[0]).map(([, item]) => item)
  return responseObject(state.call.echo, state.identity, {
    ...final,
    completedAt,
    output,
    usage: state.usage === undefined || final.status === "in_progress" ? null : usageToResponses(state.usage),
    serviceTier: state.serviceTier,
  })
}

function start(out: Emitter): void {
  if (out.state.phase !== "idle") return
  out.set({ phase: "streaming" })
  const response = snapshot(out.state, { status: "in_progress", incomplete_details: null, error: null }, null)
  out.emit({ type: "response.created", response })
  out.emit({ type: "response.in_progress", response })
}

function chunk(out: Emitter, chunk: GenerateChunk): void {
  // The model answering (a substitute the provider names mid-stream) is the one every later snapshot names.
  const model = answeringModel(out.state.identity.model, chunk)
  if (model !== out.state.identity.model) out.set({ identity: { ...out.state.identity, model } })
  if ((chunk.choiceIndex ?? 0) !== 0) return
  if (chunk.usage !== undefined) out.set({ usage: chunk.usage })
  if (chunk.serviceTier !== undefined && out.state.serviceTier === undefined) out.set({ serviceTier: chunk.serviceTier })
  const saysSomething = nonEmpty(chunk.deltaReasoning) || nonEmpty(chunk.deltaContent) || nonEmpty(chunk.deltaRefusal) || (chunk.annotations?.length ?? 0) > 0 || (chunk.deltaToolCalls?.length ?? 0) > 0
  if (out.state.finishReason !== undefined) {
    if (saysSomething || chunk.finishReason !== undefined) throw new Broken("the backend sent output after its finish reason")
    return
  }
  if (nonEmpty(chunk.deltaReasoning)) reasoningDelta(out, chunk.deltaReasoning)
  if (nonEmpty(chunk.deltaContent)) messageDelta(out, "output_text", chunk.deltaContent)
  if (nonEmpty(chunk.deltaRefusal)) messageDelta(out, "refusal", chunk.deltaRefusal)
  for (const citation of chunk.annotations ?? []) annotation(out, citation)
  for (const delta of chunk.deltaToolCalls ?? []) {
    const step = addToolCallFragment(out.state.toolCalls, { index: delta.index, id: delta.id, name: delta.name, arguments: delta.argumentsDelta })
    if (!step.ok) throw new Broken(step.detail)
    out.set({ toolCalls: step.accumulator })
    for (const event of step.events) toolCallEvent(out, event)
  }
  if (chunk.finishReason !== undefined) {
    const step = finishToolCalls(out.state.toolCalls)
    if (!step.ok) throw new Broken(step.detail)
    out.set({ toolCalls: step.accumulator })
    for (const event of step.events) toolCallEvent(out, event)
    closeFlowing(out)
    for (const call of out.state.calls) closeCall(out, call)
    if (out.state.done.length === 0) {
      // Nothing said and nothing called: an empty message, as the non-streamed Response has.
      messageDelta(out, "output_text", "")
      closeFlowing(out)
    }
    out.set({ finishReason: chunk.finishReason, calls: [] })
  }
}

function count(out: Emitter, text: string): void {
  const chars = out.state.chars + text.length
  if (chars > out.state.limits.maxOutputChars) throw new Broken("the response exceeds the output size limit")
  out.set({ chars })
}

function openIndex(out: Emitter): number {
  const index = out.state.nextOutputIndex
  out.set({ nextOutputIndex: index + 1 })
  return index
}

function reasoningDelta(out: Emitter, delta: string): void {
  count(out, delta)
  let flowing = out.state.flowing
  if (flowing?.kind !== "reasoning") {
    closeFlowing(out)
    const outputIndex = openIndex(out)
    const id = outputItemId(out.state.identity.id, "rs", outputIndex)
    flowing = { kind: "reasoning", outputIndex, id, text: "" }
    const asSummary = out.state.call.reasoningOutput === "summary"
    out.emit({ type: "response.output_item.added", output_index: outputIndex, item: asSummary ? { id, type: "reasoning", status: "in_progress", summary: [] } : { id, type: "reasoning", status: "in_progress", summary: [], content: [] } })
    if (asSummary) out.emit({ type: "response.reasoning_summary_part.added", item_id: id, output_index: outputIndex, summary_index: 0, part: { type: "summary_text", text: "" } })
    else out.emit({ type: "response.content_part.added", item_id: id, output_index: outputIndex, content_index: 0, part: { type: "reasoning_text", text: "" } })
  }
  const at = { item_id: flowing.id, output_index: flowing.outputIndex }
  if (out.state.call.reasoningOutput === "summary") out.emit({ type: "response.reasoning_summary_text.delta", ...at, summary_index: 0, delta })
  else out.emit({ type: "response.reasoning_text.delta", ...at, content_index: 0, delta })
  out.set({ flowing: { ...flowing, text: flowing.text + delta } })
}

function messageDelta(out: Emitter, kind: "output_text" | "refusal", delta: string): void {
  count(out, delta)
  let message = openMessage(out)
  if (message.open?.type !== kind) {
    message = closePart(out, message)
    const part: MessageContentOut = kind === "output_text" ? { type: "output_text", text: "", annotations: [], logprobs: [] } : { type: "refusal", refusal: "" }
    out.emit({ type: "response.content_part.added", item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length, part })
    message = { ...message, open: part }
  }
  const at = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length }
  const open = message.open
  if (open?.type === "output_text") {
    out.emit({ type: "response.output_text.delta", ...at, delta, logprobs: [] })
    message = { ...message, open: { ...open, text: open.text + delta } }
  } else if (open?.type === "refusal") {
    out.emit({ type: "response.refusal.delta", ...at, delta })
    message = { ...message, open: { ...open, refusal: open.refusal + delta } }
  }
  out.set({ flowing: message })
}

function annotation(out: Emitter, citation: UrlCitation): void {
  let message = openMessage(out)
  if (message.open?.type !== "output_text") {
    messageDelta(out, "output_text", "")
    message = openMessage(out)
  }
  const open = message.open
  if (open?.type !== "output_text") return
  const wire: UrlCitationAnnotationOut = { type: "url_citation", url: citation.url, title: citation.title, start_index: citation.startIndex, end_index: citation.endIndex }
  out.emit({
    type: "response.output_text.annotation.added",
    item_id: message.id,
    output_index: message.outputIndex,
    content_index: message.parts.length,
    annotation_index: open.annotations.length,
    annotation: wire,
  })
  out.set({ flowing: { ...message, open: { ...open, annotations: [...open.annotations, wire] } } })
}

function openMessage(out: Emitter): FlowingMessage {
  const flowing = out.state.flowing
  if (flowing?.kind === "message") return flowing
  closeFlowing(out)
  const outputIndex = openIndex(out)
  const id = outputItemId(out.state.identity.id, "msg", outputIndex)
  out.emit({ type: "response.output_item.added", output_index: outputIndex, item: { id, type: "message", status: "in_progress", role: "assistant", content: [] } })
  const message: FlowingMessage = { kind: "message", outputIndex, id, parts: [], open: undefined }
  out.set({ flowing: message })
  return message
}

function closePart(out: Emitter, message: FlowingMessage): FlowingMessage {
  const part = message.open
  if (part === undefined) return message
  const at = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length }
  if (part.type === "output_text") out.emit({ type: "response.output_text.done", ...at, text: part.text, logprobs: [] })
  else out.emit({ type: "response.refusal.done", ...at, refusal: part.refusal })
  out.emit({ type: "response.content_part.done", ...at, part })
  return { ...message, parts: [...message.parts, part], open: undefined }
}

function closeFlowing(out: Emitter): void {
  const flowing = out.state.flowing
  if (flowing === undefined) return
  let item: OutputItemOut
  if (flowing.kind === "message") {
    const message = closePart(out, flowing)
    item = { id: message.id, type: "message", status: "completed", role: "assistant", content: message.parts }
  } else {
    const at = { item_id: flowing.id, output_index: flowing.outputIndex }
    const text = flowing.text
    if (out.state.call.reasoningOutput === "summary") {
      out.emit({ type: "response.reasoning_summary_text.done", ...at, summary_index: 0, text })
      out.emit({ type: "response.reasoning_summary_part.done", ...at, summary_index: 0, part: { type: "summary_text", text } })
      item = { id: flowing.id, type: "reasoning", status: "completed", summary: [{ type: "summary_text", text }] }
    } else {
      out.emit({ type: "response.reasoning_text.done", ...at, content_index: 0, text })
      out.emit({ type: "response.content_part.done", ...at, content_index: 0, part: { type: "reasoning_text", text } })
      item = { id: flowing.id, type: "reasoning", status: "completed", summary: [], content: [{ type: "reasoning_text", text }] }
    }
  }
  out.emit({ type: "response.output_item.done", output_index: flowing.outputIndex, item })
  out.set({ flowing: undefined, done: [...out.state.done, [flowing.outputIndex, item]] })
}

function toolCallEvent(out: Emitter, event: ToolCallEvent): void {
  if (event.type === "start") {
    closeFlowing(out)
    const outputIndex = openIndex(out)
    const call: OpenCall = { outputIndex, id: outputItemId(out.state.identity.id, "fc", outputIndex), callId: event.id, name: event.name, arguments: "" }
    out.emit({ type: "response.output_item.added", output_index: outputIndex, item: callItem(call, "in_progress") })
    out.set({ calls: [...out.state.calls, call] })
    return
  }
  const call = out.state.calls[event.position]
  if (call === undefined) throw new Broken("tool call arguments for a call that never started")
  count(out, event.text)
  out.emit({ type: "response.function_call_arguments.delta", item_id: call.id, output_index: call.outputIndex, delta: event.text })
  out.set({ calls: out.state.calls.map((c, i) => (i === event.position ? { ...c, arguments: c.arguments + event.text } : c)) })
}

function closeCall(out: Emitter, call: OpenCall): void {
  out.emit({ type: "response.function_call_arguments.done", item_id: call.id, output_index: call.outputIndex, name: call.name, arguments: call.arguments })
  const item = callItem(call, "completed")
  out.emit({ type: "response.output_item.done", output_index: call.outputIndex, item })
  out.set({ done: [...out.state.done, [call.outputIndex, item]] })
}

function callItem(call: OpenCall, status: "in_progress" | "completed"): FunctionCallItemOut {
  return { id: call.id, type: "function_call", status, call_id: call.callId, name: call.name, arguments: call.arguments }
}

function end(out: Emitter, completedAt: number): void {
  const reason = out.state.finishReason
  if (reason === undefined) throw new Broken("the model stream ended without a finish reason")
  start(out)
  const status = statusFromFinishReason(reason)
  const response = snapshot(out.state, { ...status, error: null }, completedAt)
  out.emit({ type: status.status === "incomplete" ? "response.incomplete" : "response.completed", response })
  out.set({ phase: "closed" })
}

/** `error` then `response.failed` (what OpenAI sends), or a plain refusal when nothing was sent yet. */
function failWith(out: Emitter, error: GatewayError): Step {
  if (out.state.phase === "idle") return [{ ...out.state, phase: "closed" }, [{ type: "refused", error }]]
  const body = toOpenAIError(error).body.error
  out.emit({ type: "error", code: body.code, message: body.message, param: body.param, error: body })
  const code: ResponseErrorCodeOut = error._tag === "RateLimited" ? "rate_limit_exceeded" : "server_error"
  const response = snapshot(out.state, { status: "failed", incomplete_details: null, error: { code, message: body.message } }, null)
  out.emit({ type: "response.failed", response })
  return [{ ...out.state, phase: "closed" }, out.outputs]
}

function nonEmpty(text: string | undefined): text is string {
  return text !== undefined && text !== ""
}

/** One event as OpenAI frames it: `event: <type>` then `data: <one-line JSON>`. */
export function encodeResponseEventSse(event: ResponseStreamEventOut): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}
