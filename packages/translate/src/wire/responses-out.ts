/**
 * What the gateway sends on /v1/responses: the spec's `Response` object, its output
 * items and the stream events, as plain types (the gateway builds them; tests validate
 * every one against the official spec).
 */
import type { ServiceTierOut } from "./chat-completion-out.ts"
import type { ReasoningParam, TextFormat, TextParam } from "./responses-request.ts"

export interface UrlCitationAnnotationOut {
  readonly type: "url_citation"
  readonly url: string
  readonly title: string
  readonly start_index: number
  readonly end_index: number
}

export interface OutputTextPartOut {
  readonly type: "output_text"
  readonly text: string
  readonly annotations: readonly UrlCitationAnnotationOut[]
  readonly logprobs: readonly never[]
}
export interface RefusalPartOut {
  readonly type: "refusal"
  readonly refusal: string
}
export type MessageContentOut = OutputTextPartOut | RefusalPartOut

export type ItemStatusOut = "in_progress" | "completed" | "incomplete"

export interface MessageItemOut {
  readonly id: string
  readonly type: "message"
  readonly status: ItemStatusOut
  readonly role: "assistant"
  readonly content: readonly MessageContentOut[]
}
export interface FunctionCallItemOut {
  readonly id: string
  readonly type: "function_call"
  readonly status: ItemStatusOut
  readonly call_id: string
  readonly name: string
  readonly arguments: string
}
export interface ReasoningTextOut {
  readonly type: "reasoning_text"
  readonly text: string
}
export interface SummaryTextOut {
  readonly type: "summary_text"
  readonly text: string
}
export interface ReasoningItemOut {
  readonly id: string
  readonly type: "reasoning"
  readonly status: ItemStatusOut
  readonly summary: readonly SummaryTextOut[]
  /** Present when the reasoning is streamed as raw text (`reasoning_text`), not as a summary. */
  readonly content?: readonly ReasoningTextOut[]
}
export type OutputItemOut = MessageItemOut | FunctionCallItemOut | ReasoningItemOut

export interface ResponseUsageOut {
  readonly input_tokens: number
  readonly input_tokens_details: { readonly cached_tokens: number; readonly cache_write_tokens: number }
  readonly output_tokens: number
  readonly output_tokens_details: { readonly reasoning_tokens: number }
  readonly total_tokens: number
}

/** The spec's `ResponseErrorCode` values the gateway uses. */
export type ResponseErrorCodeOut = "server_error" | "rate_limit_exceeded" | "invalid_prompt"

export interface FunctionToolOut {
  readonly type: "function"
  readonly name: string
  readonly description: string | null
  readonly parameters: Readonly<Record<string, unknown>> | null
  readonly strict: boolean | null
}

export type ToolChoiceOut =
  | "none"
  | "auto"
  | "required"
  | { readonly type: "function"; readonly name: string }
  | { readonly type: "allowed_tools"; readonly mode: "auto" | "required"; readonly tools: readonly Readonly<Record<string, unknown>>[] }

/** The request fields a Response echoes (the spec's ResponseProperties and ModelResponseProperties). */
export interface ResponseEcho {
  readonly instructions: string | null
  readonly max_output_tokens: number | null
  readonly parallel_tool_calls: boolean
  readonly previous_response_id: string | null
  readonly reasoning: { readonly effort: NonNullable<ReasoningParam["effort"]> | null; readonly summary: NonNullable<ReasoningParam["summary"]> | null }
  readonly store: boolean
  readonly temperature: number
  readonly top_p: number
  readonly text: { readonly format: TextFormat; readonly verbosity?: NonNullable<TextParam["verbosity"]> }
  readonly tool_choice: ToolChoiceOut
  readonly tools: readonly FunctionToolOut[]
  readonly truncation: "auto" | "disabled"
  /** Left out when unset: the spec types it as a string, not null. */
  readonly user?: string
  readonly metadata: Readonly<Record<string, string>>
  readonly safety_identifier: string | null
  readonly prompt_cache_key: string | null
  readonly background: false
  readonly max_tool_calls: number | null
  readonly top_logprobs: number
}

export type ResponseStatusOut = "completed" | "failed" | "in_progress" | "incomplete"

export interface ResponseOut extends ResponseEcho {
  readonly id: string
  readonly object: "response"
  readonly created_at: number
  readonly status: ResponseStatusOut
  readonly completed_at: number | null
  readonly error: { readonly code: ResponseErrorCodeOut; readonly message: string } | null
  readonly incomplete_details: { readonly reason: "max_output_tokens" | "content_filter" } | null
  readonly model: string
  readonly output: readonly OutputItemOut[]
  /** Left out until known: the spec does not allow null. */
  readonly usage?: ResponseUsageOut
  readonly service_tier?: ServiceTierOut
}

type Seq = { readonly sequence_number: number }
type At = { readonly item_id: string; readonly output_index: number }

export type ResponseStreamEventOut =
  | ({ readonly type: "response.created" | "response.in_progress" | "response.completed" | "response.incomplete" | "response.failed"; readonly response: ResponseOut } & Seq)
  | ({ readonly type: "response.output_item.added" | "response.output_item.done"; readonly output_index: number; readonly item: OutputItemOut } & Seq)
  | ({ readonly type: "response.content_part.added" | "response.content_part.done"; readonly content_index: number; readonly part: MessageContentOut | ReasoningTextOut } & At & Seq)
  | ({ readonly type: "response.output_text.delta"; readonly content_index: number; readonly delta: string; readonly logprobs: readonly never[] } & At & Seq)
  | ({ readonly type: "response.output_text.done"; readonly content_index: number; readonly text: string; readonly logprobs: readonly never[] } & At & Seq)
  | ({ readonly type: "response.output_text.annotation.added"; readonly content_index: number; readonly annotation_index: number; readonly annotation: UrlCitationAnnotationOut } & At & Seq)
  | ({ readonly type: "response.refusal.delta"; readonly content_index: number; readonly delta: string } & At & Seq)
  | ({ readonly type: "response.refusal.done"; readonly content_index: number; readonly refusal: string } & At & Seq)
  | ({ readonly type: "response.function_call_arguments.delta"; readonly delta: string } & At & Seq)
  | ({ readonly type: "response.function_call_arguments.done"; readonly name: string; readonly arguments: string } & At & Seq)
  | ({ readonly type: "response.reasoning_summary_part.added" | "response.reasoning_summary_part.done"; readonly summary_index: number; readonly part: SummaryTextOut } & At & Seq)
  | ({ readonly type: "response.reasoning_summary_text.delta"; readonly summary_index: number; readonly delta: string } & At & Seq)
  | ({ readonly type: "response.reasoning_summary_text.done"; readonly summary_index: number; readonly text: string } & At & Seq)
  | ({ readonly type: "response.reasoning_text.delta"; readonly content_index: number; readonly delta: string } & At & Seq)
  | ({ readonly type: "response.reasoning_text.done"; readonly content_index: number; readonly text: string } & At & Seq)
  | ({
      readonly type: "error"
      readonly code: string | null
      readonly message: string
      readonly param: string | null
      /** OpenAI also nests the error (the openai SDK throws on `data.error`). */
      readonly error: { readonly type: string; readonly code: string | null; readonly message: string; readonly param: string | null }
    } & Seq)
