import type { FinishReasonOut, LogprobsOut, ServiceTierOut, UrlCitationOut } from "./chat-completion-out.ts"
import type { ThinkingBlockWire } from "./thinking-blocks.ts"
import type { UsageOut } from "./usage.ts"

export interface ToolCallDeltaOut {
  readonly index: number
  readonly id?: string
  readonly type?: "function"
  readonly function: { readonly name?: string; readonly arguments: string }
}

export interface ChunkDeltaOut {
  readonly role?: "assistant"
  /** Null on a role chunk sent before anything is known, as OpenAI sends it before tool calls. */
  readonly content?: string | null
  readonly refusal?: string
  /** Provider extension (DeepSeek, xAI), sent only when the backend streams reasoning. */
  readonly reasoning_content?: string
  /** LiteLLM-compatible extension: reasoning blocks completed with this chunk, signed (see thinking-blocks.ts). */
  readonly thinking_blocks?: readonly ThinkingBlockWire[]
  readonly tool_calls?: readonly ToolCallDeltaOut[]
  /** URL citations, on the delta as OpenAI's search models stream them. */
  readonly annotations?: readonly UrlCitationOut[]
}

export interface ChunkChoiceOut {
  readonly index: number
  readonly delta: ChunkDeltaOut
  readonly logprobs: LogprobsOut | null
  readonly finish_reason: FinishReasonOut | null
}

/** Exactly what the gateway sends as one streamed chunk (validated against the official spec in tests), plus forwarded extensions. */
export type ChatCompletionChunkOut = {
  readonly id: string
  readonly object: "chat.completion.chunk"
  readonly created: number
  readonly model: string
  readonly choices: readonly ChunkChoiceOut[]
  readonly usage?: UsageOut
  readonly system_fingerprint?: string
  readonly service_tier?: ServiceTierOut
} & Readonly<Record<string, unknown>>
