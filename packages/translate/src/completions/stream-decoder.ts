import { Schema } from "effect"
import type { GatewayError } from "../errors/gateway-error.ts"
import { errorFrameToReason, type StreamDecoderEvent, type StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { finishReasonFromOpenAI } from "../chat/map-finish-reason.ts"
import { usageFromOpenAI } from "../chat/map-usage.ts"
import { readCreated } from "../chat/read-created.ts"
import type { GenerateChunk, Repair } from "../model/types.ts"
import { StreamErrorFrame } from "../wire/chat-chunk.ts"
import { CompletionResponse, type TextCompletionChoice } from "../wire/completions.ts"
import { textLogprobsFromOpenAI } from "./map-text-logprobs.ts"

/**
 * The backend-side reducer of an OpenAI-compatible upstream's `/completions` stream: the
 * `data:` payloads in, GenerateChunks out (text as `deltaContent`, logprobs as
 * `textLogprobs`, each choice by index). Usage goes through chat's one usage mapper; an
 * in-stream `{"error":…}` frame is that error; output after a choice's finish is dropped
 * (repair `output_after_finish`). `[DONE]` without a finish reason finishes as `stop`
 * (repaired); a stream cut without `[DONE]` or a finish reason is an error, never a `stop`.
 */
export interface CompletionStreamState {
  readonly phase: "streaming" | "done" | "closed"
  /** Choices seen, and whether each has finished. */
  readonly choices: ReadonlyMap<number, boolean>
  readonly identitySent: boolean
  readonly seen: { readonly id: boolean; readonly model: boolean; readonly created: boolean }
  readonly repaired: readonly Repair[]
  /** Whether an in-stream error frame's message may reach the client (redacted), as the model's config says. */
  readonly exposeMessage: boolean
}

/** n (at most 128) choices for each of the prompts: past this, no request asked for it, and the state stays bounded. */
const MAX_CHOICES = 4096

type Step = readonly [CompletionStreamState, readonly StreamDecoderOutput[]]
type MutableChunk = { -readonly [K in keyof GenerateChunk]: GenerateChunk[K] }

const NOTHING: readonly StreamDecoderOutput[] = []
const isChunk = Schema.is(CompletionResponse)
const isErrorFrame = Schema.is(StreamErrorFrame)

export function initialCompletionStreamState(options: { readonly exposeMessage?: boolean } = {}): CompletionStreamState {
  return { phase: "streaming", choices: new Map(), identitySent: false, seen: { id: false, model: false, created: false }, repaired: [], exposeMessage: options.exposeMessage !== false }
}

export function decodeCompletionStreamEvent(state: CompletionStreamState, event: StreamDecoderEvent): Step {
  if (state.phase === "closed") return [state, NOTHING]
  switch (event.type) {
    case "data": {
      if (state.phase === "done") return [state, NOTHING]
      if (event.data === "[DONE]") return [{ ...state, phase: "done" }, NOTHING]
      let value: unknown
      try {
        value = JSON.parse(event.data)
      } catch {
        return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: "a stream event is not JSON" })
      }
      return decodeValue(state, value)
    }
    case "json":
      return state.phase === "done" ? [state, NOTHING] : decodeValue(state, event.value)
    case "end":
      return decodeEnd(state)
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

function decodeValue(state: CompletionStreamState, value: unknown): Step {
  if (isErrorFrame(value)) return failed(state, errorFrameToReason(value, state.exposeMessage))
  if (!isChunk(value)) return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: "a stream event is not a text completion chunk" })
  const repairs: Repair[] = []
  const base: MutableChunk = {}
  const created = readCreated(value.created)
  if (created.fromString) repairs.push("created_string")
  const id = value.id ?? ""
  const model = value.model ?? ""
  let identitySent = state.identitySent
  if (!identitySent && id !== "") {
    base.id = id
    if (model !== "") base.model = model
    if (created.created !== undefined) base.created = created.created
    identitySent = true
  }
  if (value.system_fingerprint != null) base.systemFingerprint = value.system_fingerprint
  if (value.usage != null) {
    base.usage = usageFromOpenAI(value.usage)
    if (value.choices.length > 0) base.usageUnsolicited = true
  }
  const choices = new Map(state.choices)
  const outputs: GenerateChunk[] = []
  for (const choice of value.choices) {
    const index = choice.index ?? 0
    if (!choices.has(index) && (choices.size >= MAX_CHOICES || !Number.isInteger(index) || index < 0)) {
      return failed(state, { _tag: "UpstreamError", code: "invalid_upstream_stream", detail: `unexpected choice index ${index}` })
    }
    if (choices.get(index) === true) {
      if ((choice.text ?? "") !== "" || choice.logprobs != null) repairs.push("output_after_finish")
      continue
    }
    const out = choiceChunk(index, choice)
    choices.set(index, out.finishReason !== undefined)
    if (Object.keys(out).some((key) => key !== "choiceIndex")) outputs.push(out)
  }
  const seen = { id: state.seen.id || id !== "", model: state.seen.model || model !== "", created: state.seen.created || created.created !== undefined }
  const [reported, fresh] = report({ ...state, choices, identitySent, seen }, repairs)
  if (fresh.length > 0) base.repaired = fresh
  const [first, ...rest] = outputs
  const merged = first === undefined ? base : { ...base, ...first }
  const all = Object.keys(merged).length === 0 ? rest : [merged, ...rest]
  return [reported, all.map((chunk) => ({ type: "chunk", chunk }))]
}

function choiceChunk(index: number, choice: TextCompletionChoice): MutableChunk {
  const out: MutableChunk = index === 0 ? {} : { choiceIndex: index }
  if (choice.text != null && choice.text !== "") out.deltaContent = choice.text
  if (choice.logprobs != null) out.textLogprobs = textLogprobsFromOpenAI(choice.logprobs)
  const raw = choice.finish_reason ?? ""
  // An empty string on an ordinary chunk is not a finish.
  if (raw !== "") {
    out.finishReason = finishReasonFromOpenAI(raw)
    out.rawFinishReason = raw
  }
  return out
}

function decodeEnd(state: CompletionStreamState): Step {
  const choices: ReadonlyMap<number, boolean> = state.choices.size === 0 ? new Map([[0, false]]) : state.choices
  const unfinished = [...choices].filter(([, finished]) => !finished).map(([index]) => index)
  if (unfinished.length > 0 && state.phase !== "done") {
    return failed(state, { _tag: "UpstreamError", code: "upstream_stream_incomplete", detail: "the upstream stream ended without a finish reason" })
  }
  const repairs: Repair[] = unfinished.length > 0 ? ["finish_reason_missing"] : []
  if (!state.seen.id) repairs.push("id_missing")
  if (!state.seen.model) repairs.push("model_missing")
  if (!state.seen.created) repairs.push("created_missing")
  const outputs: GenerateChunk[] = unfinished.map((index) => (index === 0 ? { finishReason: "stop" } : { choiceIndex: index, finishReason: "stop" }))
  const [reported, fresh] = report(state, repairs)
  if (fresh.length > 0) outputs.push({ repaired: fresh })
  return [{ ...reported, phase: "closed" }, outputs.map((chunk) => ({ type: "chunk", chunk }))]
}

/** The repairs not yet reported, each once. */
function report(state: CompletionStreamState, repairs: readonly Repair[]): [CompletionStreamState, Repair[]] {
  const fresh = [...new Set(repairs)].filter((repair) => !state.repaired.includes(repair))
  return fresh.length === 0 ? [state, fresh] : [{ ...state, repaired: [...state.repaired, ...fresh] }, fresh]
}

function failed(state: CompletionStreamState, error: GatewayError): Step {
  return [{ ...state, phase: "closed" }, [{ type: "error", error }]]
}
