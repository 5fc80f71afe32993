import { Schema } from "effect"
import { toolCallDeltas, type StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { streamLimits, type StreamLimits } from "../chat/stream-limits.ts"
import { addToolCallFragment, finishToolCalls, initialToolCallAccumulator, type ToolCallAccumulator } from "../chat/tool-call-accumulator.ts"
import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateChunk, Repair, ToolCallDelta } from "../model/types.ts"
import { fromOllamaError } from "./from-ollama-error.ts"
import { doneReasonFromOllama } from "./map-done-reason.ts"
import { usageFromOllama } from "./map-usage.ts"
import { readOllamaCreated, readOllamaMessage } from "./read-chat-message.ts"
import { OllamaChatResponse, OllamaErrorLine } from "./wire.ts"

/**
 * The Ollama stream reducer: the lines of an `/api/chat` NDJSON stream in, GenerateChunks
 * out. Content and thinking deltas, tool calls (Ollama sends each whole) by the one
 * accumulator rule, and on the `done: true` line the done reason, usage and timing. An
 * `{"error": …}` line ends the stream with its reason; a stream that ends before the
 * done line is an error, never a silent stop.
 */
export type OllamaStreamEvent = { readonly type: "line"; readonly line: string } | { readonly type: "end" }

export interface OllamaStreamState {
  readonly phase: "streaming" | "done" | "closed"
  readonly identitySent: boolean
  readonly toolCalls: ToolCallAccumulator
  readonly callCount: number
  /** Whether an error line's message may reach the client (redacted), as the model's config says. */
  readonly exposeMessage: boolean
}

export function initialOllamaStreamState(limits: StreamLimits = streamLimits, options: { readonly exposeMessage?: boolean } = {}): OllamaStreamState {
  return { phase: "streaming", identitySent: false, toolCalls: initialToolCallAccumulator(limits), callCount: 0, exposeMessage: options.exposeMessage !== false }
}

type Step = readonly [OllamaStreamState, readonly StreamDecoderOutput[]]
const NOTHING: readonly StreamDecoderOutput[] = []
const isLine = Schema.is(OllamaChatResponse)
const isErrorLine = Schema.is(OllamaErrorLine)

export function decodeOllamaStreamEvent(state: OllamaStreamState, event: OllamaStreamEvent): Step {
  if (state.phase === "closed") return [state, NOTHING]
  switch (event.type) {
    case "line": {
      if (state.phase === "done" || event.line.trim() === "") return [state, NOTHING]
      let value: unknown
      try {
        value = JSON.parse(event.line)
      } catch {
        return failed(state, invalidStream("a stream line is not JSON"))
      }
      if (isErrorLine(value)) return failed(state, fromOllamaError({ status: 500, body: JSON.stringify(value), header: () => undefined }, 0, { request: "chat", exposeMessage: state.exposeMessage }))
      if (!isLine(value)) return failed(state, invalidStream("a stream line is not a chat response"))
      return decodeLine(state, value)
    }
    case "end":
      if (state.phase === "done") return [{ ...state, phase: "closed" }, NOTHING]
      return failed(state, { _tag: "UpstreamError", code: "upstream_stream_incomplete", detail: "the upstream stream ended before its done line" })
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

function decodeLine(initial: OllamaStreamState, line: OllamaChatResponse): Step {
  let state = initial
  const chunk: { -readonly [K in keyof GenerateChunk]: GenerateChunk[K] } = {}
  const repairs: Repair[] = []
  if (!state.identitySent) {
    if (line.model != null && line.model !== "") chunk.model = line.model
    else repairs.push("model_missing")
    const created = readOllamaCreated(line.created_at)
    if (created !== undefined) chunk.created = created
    else repairs.push("created_missing")
    repairs.push("id_missing")
    state = { ...state, identitySent: true }
  }
  const parts = readOllamaMessage(line, state.callCount)
  if (parts.content !== "") chunk.deltaContent = parts.content
  if (parts.thinking !== "") chunk.deltaReasoning = parts.thinking
  const deltas: ToolCallDelta[] = []
  for (const call of parts.toolCalls) {
    const step = addToolCallFragment(state.toolCalls, { index: state.callCount, id: call.id, name: call.name, arguments: call.arguments })
    if (!step.ok) return failed(state, invalidStream(step.detail))
    state = { ...state, toolCalls: step.accumulator, callCount: state.callCount + 1 }
    deltas.push(...toolCallDeltas(step.events))
  }
  if (line.done === true) {
    const finish = finishToolCalls(state.toolCalls)
    if (!finish.ok) return failed(state, invalidStream(finish.detail))
    deltas.push(...toolCallDeltas(finish.events))
    state = { ...state, toolCalls: finish.accumulator, phase: "done" }
    const raw = line.done_reason ?? ""
    const hasCalls = state.callCount > 0
    if (raw === "") {
      chunk.finishReason = hasCalls ? "tool_calls" : "stop"
      repairs.push("finish_reason_missing")
    } else {
      chunk.finishReason = doneReasonFromOllama(raw, hasCalls)
      chunk.rawFinishReason = raw
    }
    if (line.prompt_eval_count != null || line.eval_count != null) chunk.usage = usageFromOllama(line)
  }
  if (deltas.length > 0) chunk.deltaToolCalls = deltas
  if (repairs.length > 0) chunk.repaired = repairs
  return Object.keys(chunk).length === 0 ? [state, NOTHING] : [state, [{ type: "chunk", chunk }]]
}

function failed(state: OllamaStreamState, error: GatewayError): Step {
  return [{ ...state, phase: "closed" }, [{ type: "error", error }]]
}

function invalidStream(detail: string): GatewayError {
  return { _tag: "UpstreamError", code: "invalid_upstream_stream", detail }
}
