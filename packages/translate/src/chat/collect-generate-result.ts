import { answeringModel } from "../model/answering-model.ts"
import { sequenceOf, withRun } from "../model/output-sequence.ts"
import type { ThinkingBlock, FinishReason, GenerateChoiceResult, GenerateChunk, GenerateResult, Logprobs, OutputRun, Repair, TokenUsage, ToolCall, UrlCitation } from "../model/types.ts"
import { concatLogprobs } from "./map-logprobs.ts"
import { streamLimits } from "./stream-limits.ts"
import { addToolCallFragment, finishToolCalls, initialToolCallAccumulator, toolCallPosition, type ToolCallAccumulator, type ToolCallEvent } from "./tool-call-accumulator.ts"

/**
 * Folds a stream of GenerateChunks into the GenerateResult a non-streamed call would
 * have returned: per choice (by index), content, reasoning and refusal concatenated,
 * tool calls joined by the one accumulator rule (tool-call-accumulator.ts), logprobs
 * and citations concatenated, the first finish reason, the order the pieces came in
 * (sequence, read in each chunk as the Responses stream reads it); the last usage, the upstream
 * identity, every repair and the extension fields. Content is null, as OpenAI sends
 * it, when a choice said nothing but tool calls or a refusal. Used to answer a
 * non-streamed request from a streaming-only backend, and by the tests that prove
 * both paths agree.
 */
interface CollectChoice {
  readonly index: number
  readonly content: string
  readonly reasoning: string | undefined
  readonly thinkingBlocks: readonly ThinkingBlock[]
  readonly refusal: string | undefined
  readonly accumulator: ToolCallAccumulator
  readonly toolCalls: readonly ToolCall[]
  readonly finishReason: FinishReason | undefined
  readonly rawFinishReason: string | undefined
  readonly logprobs: Logprobs | undefined
  readonly annotations: readonly UrlCitation[]
  readonly unknownParts: readonly Readonly<Record<string, unknown>>[]
  readonly runs: readonly OutputRun[]
}

export interface CollectState {
  readonly choices: readonly CollectChoice[]
  readonly usage: TokenUsage | undefined
  readonly identity: {
    readonly id: string | undefined
    readonly model: string | undefined
    readonly created: number | undefined
    readonly systemFingerprint: string | undefined
    readonly serviceTier: string | undefined
  }
  readonly repaired: readonly Repair[]
  readonly extensions: Readonly<Record<string, unknown>> | undefined
  /** Set when the chunks broke the tool-call rule: there is then no result. */
  readonly failure: string | undefined
}

export const initialCollectState: CollectState = {
  choices: [],
  usage: undefined,
  identity: { id: undefined, model: undefined, created: undefined, systemFingerprint: undefined, serviceTier: undefined },
  repaired: [],
  extensions: undefined,
  failure: undefined,
}

function newChoice(index: number): CollectChoice {
  return {
    index,
    content: "",
    reasoning: undefined,
    thinkingBlocks: [],
    refusal: undefined,
    accumulator: initialToolCallAccumulator(streamLimits),
    toolCalls: [],
    finishReason: undefined,
    rawFinishReason: undefined,
    logprobs: undefined,
    annotations: [],
    unknownParts: [],
    runs: [],
  }
}

export function collectChunk(state: CollectState, chunk: GenerateChunk): CollectState {
  if (state.failure !== undefined) return state
  let next = state
  if (chunk.usage !== undefined) next = { ...next, usage: chunk.usage }
  if (chunk.repaired !== undefined) next = { ...next, repaired: [...new Set([...next.repaired, ...chunk.repaired])] }
  if (chunk.extensions !== undefined) next = { ...next, extensions: { ...next.extensions, ...chunk.extensions } }
  next = collectIdentity(next, chunk)
  const carriesChoice =
    chunk.deltaContent !== undefined ||
    chunk.deltaReasoning !== undefined ||
    chunk.deltaRefusal !== undefined ||
    chunk.deltaToolCalls !== undefined ||
    chunk.thinkingBlocks !== undefined ||
    chunk.logprobs !== undefined ||
    chunk.annotations !== undefined ||
    chunk.unknownParts !== undefined ||
    chunk.finishReason !== undefined
  if (!carriesChoice) return next
  const index = chunk.choiceIndex ?? 0
  const known = next.choices.find((c) => c.index === index)
  let choice = known ?? newChoice(index)
  if (chunk.deltaContent !== undefined) choice = { ...choice, content: choice.content + chunk.deltaContent }
  if (chunk.deltaReasoning !== undefined) choice = { ...choice, reasoning: (choice.reasoning ?? "") + chunk.deltaReasoning }
  choice = { ...choice, runs: textRuns(choice.runs, chunk) }
  if (chunk.thinkingBlocks !== undefined) choice = { ...choice, thinkingBlocks: [...choice.thinkingBlocks, ...chunk.thinkingBlocks] }
  if (chunk.deltaRefusal !== undefined) choice = { ...choice, refusal: (choice.refusal ?? "") + chunk.deltaRefusal }
  if (chunk.logprobs !== undefined) choice = { ...choice, logprobs: concatLogprobs(choice.logprobs, chunk.logprobs) }
  if (chunk.annotations !== undefined) choice = { ...choice, annotations: [...choice.annotations, ...chunk.annotations] }
  if (chunk.unknownParts !== undefined) choice = { ...choice, unknownParts: [...choice.unknownParts, ...chunk.unknownParts] }
  for (const delta of chunk.deltaToolCalls ?? []) {
    const step = addToolCallFragment(choice.accumulator, { index: delta.index, id: delta.id, name: delta.name, arguments: delta.argumentsDelta })
    if (!step.ok) return { ...next, failure: step.detail }
    choice = { ...choice, accumulator: step.accumulator, toolCalls: applyEvents(choice.toolCalls, step.events), runs: callRuns(choice.runs, step.events) }
    const position = delta.signature === undefined ? undefined : toolCallPosition(choice.accumulator, delta.index)
    const call = position === undefined ? undefined : choice.toolCalls[position]
    if (position !== undefined && call !== undefined && delta.signature !== undefined) {
      const signed = { ...call, signature: delta.signature }
      choice = { ...choice, toolCalls: choice.toolCalls.map((c, i) => (i === position ? signed : c)) }
    }
  }
  if (chunk.finishReason !== undefined && choice.finishReason === undefined) {
    const step = finishToolCalls(choice.accumulator)
    if (!step.ok) return { ...next, failure: step.detail }
    choice = { ...choice, accumulator: step.accumulator, toolCalls: applyEvents(choice.toolCalls, step.events), runs: callRuns(choice.runs, step.events), finishReason: chunk.finishReason, rawFinishReason: chunk.rawFinishReason }
    if (step.standInIds > 0) next = { ...next, repaired: [...new Set([...next.repaired, "tool_call_id_missing"])] }
  }
  const updated = choice
  return { ...next, choices: known === undefined ? [...next.choices, updated] : next.choices.map((c) => (c.index === index ? updated : c)) }
}

/** A chunk's text in the order the Responses stream reads it: reasoning, content, refusal (its tool calls after). */
function textRuns(runs: readonly OutputRun[], chunk: GenerateChunk): readonly OutputRun[] {
  let next = withRun(runs, { kind: "reasoning", chars: chunk.deltaReasoning?.length ?? 0 })
  next = withRun(next, { kind: "content", chars: chunk.deltaContent?.length ?? 0 })
  return withRun(next, { kind: "refusal", chars: chunk.deltaRefusal?.length ?? 0 })
}

function callRuns(runs: readonly OutputRun[], events: readonly ToolCallEvent[]): readonly OutputRun[] {
  return events.reduce((next, event) => (event.type === "start" ? withRun(next, { kind: "toolCall", position: event.position }) : next), runs)
}

function applyEvents(calls: readonly ToolCall[], events: readonly ToolCallEvent[]): readonly ToolCall[] {
  if (events.length === 0) return calls
  const out = [...calls]
  for (const event of events) {
    if (event.type === "start") out[event.position] = { id: event.id, name: event.name, arguments: "" }
    else {
      const call = out[event.position]
      if (call !== undefined) out[event.position] = { ...call, arguments: call.arguments + event.text }
    }
  }
  return out
}

function collectIdentity(state: CollectState, chunk: GenerateChunk): CollectState {
  const carriesIdentity = chunk.id !== undefined || chunk.model !== undefined || chunk.created !== undefined || chunk.systemFingerprint !== undefined || chunk.serviceTier !== undefined
  if (!carriesIdentity) return state
  const known = state.identity
  return {
    ...state,
    identity: {
      id: known.id ?? chunk.id,
      model: answeringModel(known.model, chunk),
      created: known.created ?? chunk.created,
      systemFingerprint: known.systemFingerprint ?? chunk.systemFingerprint,
      serviceTier: known.serviceTier ?? chunk.serviceTier,
    },
  }
}

/** The folded result, or undefined when a choice never finished or the chunks broke the rules (the caller reports that). */
export function collectedResult(state: CollectState): GenerateResult | undefined {
  if (state.failure !== undefined) return undefined
  const sorted = [...state.choices].sort((a, b) => a.index - b.index)
  const first = sorted[0]
  if (first === undefined || first.index !== 0) return undefined
  const choices: GenerateChoiceResult[] = []
  for (const choice of sorted) {
    const result = choiceResult(choice)
    if (result === undefined) return undefined
    choices.push(result)
  }
  type MutableResult = { -readonly [K in keyof GenerateResult]: GenerateResult[K] }
  const [top, ...rest] = choices
  if (top === undefined) return undefined
  const result: MutableResult = { ...top }
  if (rest.length > 0) result.additionalChoices = rest.map((choice, i) => ({ index: sorted[i + 1]?.index ?? i + 1, ...choice }))
  if (state.usage !== undefined) result.usage = state.usage
  const { id, model, created, systemFingerprint, serviceTier } = state.identity
  if (id !== undefined) result.id = id
  if (model !== undefined) result.model = model
  if (created !== undefined) result.created = created
  if (systemFingerprint !== undefined) result.systemFingerprint = systemFingerprint
  if (serviceTier !== undefined) result.serviceTier = serviceTier
  if (state.repaired.length > 0) result.repaired = state.repaired
  if (state.extensions !== undefined) result.extensions = state.extensions
  return result
}

function choiceResult(choice: CollectChoice): GenerateChoiceResult | undefined {
  if (choice.finishReason === undefined) return undefined
  type MutableChoice = { -readonly [K in keyof GenerateChoiceResult]: GenerateChoiceResult[K] }
  const silent = choice.content === "" && (choice.toolCalls.length > 0 || choice.refusal !== undefined)
  const result: MutableChoice = { content: silent ? null : choice.content, finishReason: choice.finishReason }
  if (choice.rawFinishReason !== undefined) result.rawFinishReason = choice.rawFinishReason
  if (choice.toolCalls.length > 0) result.toolCalls = choice.toolCalls
  if (choice.refusal !== undefined) result.refusal = choice.refusal
  if (choice.reasoning !== undefined) result.reasoning = choice.reasoning
  if (choice.thinkingBlocks.length > 0) result.thinkingBlocks = choice.thinkingBlocks
  if (choice.logprobs !== undefined) result.logprobs = choice.logprobs
  if (choice.annotations.length > 0) result.annotations = choice.annotations
  if (choice.unknownParts.length > 0) result.unknownParts = choice.unknownParts
  const sequence = sequenceOf(choice.runs)
  if (sequence !== undefined) result.sequence = sequence
  return result
}
