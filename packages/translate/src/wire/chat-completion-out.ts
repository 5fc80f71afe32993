import type { ThinkingBlockWire } from "./thinking-blocks.ts"
import type { UsageOut } from "./usage.ts"

export interface TopLogprobOut {
  readonly token: string
  readonly logprob: number
  readonly bytes: readonly number[] | null
}
export interface TokenLogprobOut extends TopLogprobOut {
  readonly top_logprobs: readonly TopLogprobOut[]
}
export interface LogprobsOut {
  readonly content: readonly TokenLogprobOut[] | null
  readonly refusal: readonly TokenLogprobOut[] | null
}

export interface UrlCitationOut {
  readonly type: "url_citation"
  readonly url_citation: { readonly url: string; readonly title: string; readonly start_index: number; readonly end_index: number }
}

/** The spec's finish reasons the gateway sends (never `function_call`: tool calls are sent as tool calls). */
export type FinishReasonOut = "stop" | "length" | "tool_calls" | "content_filter"

/** The spec's `ServiceTier` values: anything else an upstream says is not copied to clients. */
export type ServiceTierOut = "auto" | "default" | "flex" | "scale" | "priority" | "fast"

export interface CompletionMessageOut {
  readonly role: "assistant"
  readonly content: string | null
  readonly refusal: string | null
  readonly tool_calls?: readonly {
    readonly id: string
    readonly type: "function"
    readonly function: { readonly name: string; readonly arguments: string }
  }[]
  readonly annotations?: readonly UrlCitationOut[]
  /** Provider extension (DeepSeek, xAI), kept when the backend returned reasoning. */
  readonly reasoning_content?: string
  /** LiteLLM-compatible extension: the reasoning as signed blocks, for the client to send back (see thinking-blocks.ts). */
  readonly thinking_blocks?: readonly ThinkingBlockWire[]
}

export interface CompletionChoiceOut {
  readonly index: number
  readonly message: CompletionMessageOut
  readonly logprobs: LogprobsOut | null
  readonly finish_reason: FinishReasonOut
}

/**
 * Exactly what the gateway sends for a non-streamed chat completion (validated against
 * the official spec in tests), plus the upstream's extension fields, forwarded as they were.
 */
export type ChatCompletionOut = {
  readonly id: string
  readonly object: "chat.completion"
  readonly created: number
  readonly model: string
  readonly choices: readonly CompletionChoiceOut[]
  readonly usage?: UsageOut
  readonly system_fingerprint?: string
  readonly service_tier?: ServiceTierOut
} & Readonly<Record<string, unknown>>
