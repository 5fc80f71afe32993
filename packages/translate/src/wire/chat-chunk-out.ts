import type { UsageOut } from "./usage.ts"

export interface ToolCallDeltaOut {
  readonly index: number
  readonly id?: string
  readonly type?: "function"
  readonly function: { readonly name?: string; readonly arguments: string }
}

export interface ChunkDeltaOut {
  readonly role?: "assistant"
  readonly content?: string
  readonly refusal?: string
  /** Provider extension (DeepSeek, xAI), sent only when the backend streams reasoning. */
  readonly reasoning_content?: string
  readonly tool_calls?: readonly ToolCallDeltaOut[]
}

/** Exactly what the gateway sends as one streamed chunk (validated against the official spec in tests). */
export interface ChatCompletionChunkOut {
  readonly id: string
  readonly object: "chat.completion.chunk"
  readonly created: number
  readonly model: string
  readonly choices: readonly [] | readonly [{ readonly index: 0; readonly delta: ChunkDeltaOut; readonly logprobs: null; readonly finish_reason: string | null }]
  readonly usage?: UsageOut
  readonly system_fingerprint?: string
  readonly service_tier?: string
}
