import type { FinishReason, GenerateChunk, GenerateResult, TokenUsage, ToolCall } from "../model/types.ts"

/**
 * Folds a stream of GenerateChunks into the GenerateResult a non-streamed call would
 * have returned: content, reasoning and refusal concatenated, tool-call fragments
 * joined by `index` (in order of first appearance), the first finish reason, the
 * last usage, and the upstream identity. Used to answer a non-streamed request from a
 * streaming-only backend, and by the tests that prove both paths agree.
 */
export interface CollectState {
  readonly content: string
  readonly reasoning: string | undefined
  readonly refusal: string | undefined
  readonly toolCalls: readonly { readonly index: number; readonly id: string | undefined; readonly name: string; readonly arguments: string }[]
  readonly finishReason: FinishReason | undefined
  readonly rawFinishReason: string | undefined
  readonly usage: TokenUsage | undefined
  readonly identity: {
    readonly id: string | undefined
    readonly model: string | undefined
    readonly created: number | undefined
    readonly systemFingerprint: string | undefined
    readonly serviceTier: string | undefined
  }
}

export const initialCollectState: CollectState = {
  content: "",
  reasoning: undefined,
  refusal: undefined,
  toolCalls: [],
  finishReason: undefined,
  rawFinishReason: undefined,
  usage: undefined,
  identity: { id: undefined, model: undefined, created: undefined, systemFingerprint: undefined, serviceTier: undefined },
}

export function collectChunk(state: CollectState, chunk: GenerateChunk): CollectState {
  let next = state
  if (chunk.deltaContent !== undefined) next = { ...next, content: next.content + chunk.deltaContent }
  if (chunk.deltaReasoning !== undefined) next = { ...next, reasoning: (next.reasoning ?? "") + chunk.deltaReasoning }
  if (chunk.deltaRefusal !== undefined) next = { ...next, refusal: (next.refusal ?? "") + chunk.deltaRefusal }
  for (const delta of chunk.deltaToolCalls ?? []) {
    const position = next.toolCalls.findIndex((call) => call.index === delta.index)
    const known = position === -1 ? undefined : next.toolCalls[position]
    const merged = {
      index: delta.index,
      id: known?.id ?? delta.id,
      name: known?.name ?? delta.name ?? "",
      arguments: (known?.arguments ?? "") + (delta.argumentsDelta ?? ""),
    }
    next = {
      ...next,
      toolCalls: known === undefined ? [...next.toolCalls, merged] : next.toolCalls.map((call, i) => (i === position ? merged : call)),
    }
  }
  if (chunk.finishReason !== undefined && next.finishReason === undefined) {
    next = chunk.rawFinishReason === undefined
      ? { ...next, finishReason: chunk.finishReason }
      : { ...next, finishReason: chunk.finishReason, rawFinishReason: chunk.rawFinishReason }
  }
  if (chunk.usage !== undefined) next = { ...next, usage: chunk.usage }
  const carriesIdentity =
    chunk.id !== undefined || chunk.model !== undefined || chunk.created !== undefined || chunk.systemFingerprint !== undefined || chunk.serviceTier !== undefined
  if (!carriesIdentity) return next
  const known = next.identity
  return {
    ...next,
    identity: {
      id: known.id ?? chunk.id,
      model: known.model ?? chunk.model,
      created: known.created ?? chunk.created,
      systemFingerprint: known.systemFingerprint ?? chunk.systemFingerprint,
      serviceTier: known.serviceTier ?? chunk.serviceTier,
    },
  }
}

/** The folded result, or undefined when the stream never finished (the caller reports that). */
export function collectedResult(state: CollectState): GenerateResult | undefined {
  if (state.finishReason === undefined) return undefined
  type MutableResult = { -readonly [K in keyof GenerateResult]: GenerateResult[K] }
  const result: MutableResult = { content: state.content, finishReason: state.finishReason }
  if (state.rawFinishReason !== undefined) result.rawFinishReason = state.rawFinishReason
  if (state.toolCalls.length > 0) {
    result.toolCalls = state.toolCalls.map(
      (call, position): ToolCall => ({ id: call.id ?? `call_${position}`, name: call.name, arguments: call.arguments }),
    )
  }
  if (state.refusal !== undefined) result.refusal = state.refusal
  if (state.reasoning !== undefined) result.reasoning = state.reasoning
  if (state.usage !== undefined) result.usage = state.usage
  const { id, model, created, systemFingerprint, serviceTier } = state.identity
  if (id !== undefined) result.id = id
  if (model !== undefined) result.model = model
  if (created !== undefined) result.created = created
  if (systemFingerprint !== undefined) result.systemFingerprint = systemFingerprint
  if (serviceTier !== undefined) result.serviceTier = serviceTier
  return result
}
