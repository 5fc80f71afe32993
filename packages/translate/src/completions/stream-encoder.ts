import type { CompletionIdentity } from "../chat/completion-identity.ts"
import { usageToOpenAI } from "../chat/map-usage.ts"
import type { StreamEncoderEvent } from "../chat/stream-encoder.ts"
import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateChunk, TokenUsage } from "../model/types.ts"
import type { TextCompletionChoiceOut, CompletionResponseOut } from "../wire/completions.ts"
import { textFinishReasonToOpenAI } from "./map-text-finish-reason.ts"
import { textLogprobsToOpenAI } from "./map-text-logprobs.ts"

/**
 * The client-side reducer of a text completion stream: GenerateChunks in, `text_completion`
 * chunks out (the shape of a whole answer, as the spec says), each with the gateway's
 * identity; `finish_reason` null until a choice ends, as OpenAI's streaming example has it.
 * With `include_usage`, the usage goes out last in a chunk with no choices, before `[DONE]`.
 * Usage the upstream sends unasked (GenerateChunk.usageUnsolicited) reaches a client that
 * did not ask, once, as it would directly: on the chunk it came with, else the next one
 * sent, else a last chunk with no choices (chat's rule).
 * An error ends the stream without `[DONE]`.
 */
export interface CompletionStreamEncoderState {
  readonly identity: CompletionIdentity
  readonly includeUsage: boolean
  readonly usage?: TokenUsage
  /** Usage the upstream sent unasked that a client who did not ask has not been sent yet. */
  readonly unsolicitedUsagePending?: boolean
  readonly phase: "streaming" | "closed"
}

export type CompletionStreamOutput = { readonly type: "chunk"; readonly chunk: CompletionResponseOut } | { readonly type: "error"; readonly error: GatewayError } | { readonly type: "done" }

type Step = readonly [CompletionStreamEncoderState, readonly CompletionStreamOutput[]]

export function initialCompletionStreamEncoderState(identity: CompletionIdentity, includeUsage: boolean): CompletionStreamEncoderState {
  return { identity, includeUsage, phase: "streaming" }
}

export function encodeCompletionStreamEvent(state: CompletionStreamEncoderState, event: StreamEncoderEvent): Step {
  if (state.phase === "closed") return [state, []]
  switch (event.type) {
    case "chunk": {
      const next = event.chunk.usage === undefined ? state : { ...state, usage: event.chunk.usage, unsolicitedUsagePending: !state.includeUsage && event.chunk.usageUnsolicited === true }
      const choice = choiceOf(event.chunk)
      if (choice === undefined) return [next, []]
      const chunk = chunkOf(state.identity, [choice], event.chunk.systemFingerprint)
      if (next.unsolicitedUsagePending !== true || next.usage === undefined) return [next, [{ type: "chunk", chunk }]]
      return [{ ...next, unsolicitedUsagePending: false }, [{ type: "chunk", chunk: { ...chunk, usage: usageToOpenAI(next.usage) } }]]
    }
    case "end": {
      const owed = state.usage !== undefined && (state.includeUsage || state.unsolicitedUsagePending === true)
      const usage = owed && state.usage !== undefined ? [{ type: "chunk" as const, chunk: { ...chunkOf(state.identity, []), usage: usageToOpenAI(state.usage) } }] : []
      return [{ ...state, phase: "closed" }, [...usage, { type: "done" }]]
    }
    case "error":
      return [{ ...state, phase: "closed" }, [{ type: "error", error: event.error }]]
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}

/** A chunk's choice, when it carries text, logprobs or a finish; usage, identity and repairs alone make none. */
function choiceOf(chunk: GenerateChunk): TextCompletionChoiceOut | undefined {
  if (chunk.deltaContent === undefined && chunk.textLogprobs === undefined && chunk.finishReason === undefined) return undefined
  return {
    text: chunk.deltaContent ?? "",
    index: chunk.choiceIndex ?? 0,
    logprobs: chunk.textLogprobs === undefined ? null : textLogprobsToOpenAI(chunk.textLogprobs),
    finish_reason: chunk.finishReason === undefined ? null : textFinishReasonToOpenAI(chunk.finishReason),
  }
}

function chunkOf(identity: CompletionIdentity, choices: readonly TextCompletionChoiceOut[], systemFingerprint?: string): CompletionResponseOut {
  const chunk: CompletionResponseOut = { id: identity.id, object: "text_completion", created: identity.created, model: identity.model, choices }
  return systemFingerprint === undefined ? chunk : { ...chunk, system_fingerprint: systemFingerprint }
}
