import type { ChatCall, CompletionCall, EmbedCall } from "@harper-gateway/translate"
import type { ModelCallRecord } from "../accounting/model-call-record.ts"
import type { OutputCounter } from "../accounting/output-counter.ts"
import type { Limiter } from "../admission.ts"
import type { RoutingClock } from "../routing/route-call.ts"

/** Who is calling, through which endpoint, and the signal that says they left. */
export interface CallMeta {
  readonly tenant: string | null
  readonly user: string | null
  readonly endpoint: string
  readonly signal: AbortSignal
  /** The gateway key the call came with, if any (its limits apply, and its rows carry it). */
  readonly keyId?: string | null
  /** How many times the client already sent this call (OpenAI SDKs' `x-stainless-retry-count`); its retries spend the gateway's attempt budget. */
  readonly clientRetries?: number
}

/** Where the facade's rows go: the plugin's journalled recorder, or any other store. */
export interface CallSink {
  /**
   * A call's row as `interrupted`, before its backend is called; `record` with the same id
   * completes it. A promise (a journal's group commit) is awaited before the backend is called.
   */
  started(row: ModelCallRecord): void | Promise<void>
  record(row: ModelCallRecord): void
}

/** The token counts a call is billed for. */
export interface BilledTokens {
  readonly promptTokens: number
  readonly completionTokens: number
  readonly cachedTokens: number
  /** Prompt tokens written to the provider's cache (Anthropic's cache_creation_input_tokens), inside promptTokens. */
  readonly cacheWriteTokens: number
  /** Of the cache writes, those kept for an hour (priced higher). */
  readonly cacheWrite1hTokens: number
  readonly reasoningTokens: number
}

/** A call's token estimate before it runs. */
export interface CallEstimate {
  readonly prompt: number
  readonly completion: number
  /** The completion its started line bills should a crash cut it (default: `completion`). */
  readonly interruptedCompletion?: number
}

/** A call's cost in USD for its row and its budgets; null when the model has no price. */
export type PriceOf = (logicalModel: string | null, upstreamModel: string, tokens: BilledTokens, at: Date) => number | null

/** Rate limits and budgets, with the estimates their token rules need. */
interface CallLimits {
  readonly limiter: Limiter
  /** Prompt and completion tokens a chat call may use, before it runs (its admission). */
  readonly estimateChat: (call: ChatCall) => CallEstimate
  readonly estimateEmbed: (call: EmbedCall) => number
  /** The same for a text completion (`/v1/completions`). */
  readonly estimateCompletion: (call: CompletionCall) => CallEstimate
  /** Counts a call's output for its completion estimate when the upstream reported none (default: 4 characters a token). */
  readonly countOutput?: () => OutputCounter
}

export interface ModelsServiceOptions {
  /** Where the operator's account of a failed call goes (the plugin's log). */
  readonly onFailureDetail?: (message: string) => void
  /** Rate limits and budgets; none when absent. */
  readonly limits?: CallLimits
  readonly price?: PriceOf
  /** Time and randomness for retries, backoff and deployment choice (tests pass a fake). */
  readonly routingClock?: RoutingClock
}

/** What every step of a call may use: where rows go, and the service's options. */
export interface CallDeps {
  readonly recorder: CallSink
  readonly options: ModelsServiceOptions
  readonly clock: RoutingClock
}

/** What an answer carries besides its body: the limits' `x-ratelimit-*` and the attempts' `x-gateway-attempts`. */
export type AnswerHeaders = Readonly<Record<string, string>>
