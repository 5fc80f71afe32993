import { Schema } from "effect"

/**
 * Anthropic Messages API wire shapes. Requests are what the gateway writes (plain
 * types: strict in what we send); responses and stream events are read with tolerant
 * schemas: unknown keys kept, content blocks narrowed one by one so a block type the
 * gateway does not know is kept, never a decoding failure.
 */

/** The API version header every request carries. */
export const ANTHROPIC_VERSION = "2023-06-01"

/** A prompt-caching breakpoint on a block (Messages API `cache_control`). */
export type AnthropicCacheControl = { readonly type: "ephemeral"; readonly ttl?: "5m" | "1h" }
export type AnthropicTextBlock = { readonly type: "text"; readonly text: string; readonly cache_control?: AnthropicCacheControl }
export type AnthropicImageSource = { readonly type: "base64"; readonly media_type: string; readonly data: string } | { readonly type: "url"; readonly url: string }
export type AnthropicImageBlock = { readonly type: "image"; readonly source: AnthropicImageSource; readonly cache_control?: AnthropicCacheControl }
export type AnthropicDocumentBlock = {
  readonly type: "document"
  readonly source: { readonly type: "base64"; readonly media_type: string; readonly data: string } | { readonly type: "url"; readonly url: string }
  readonly title?: string
  readonly cache_control?: AnthropicCacheControl
}
export type AnthropicToolUseBlock = { readonly type: "tool_use"; readonly id: string; readonly name: string; readonly input: unknown }
export type AnthropicToolResultBlock = { readonly type: "tool_result"; readonly tool_use_id: string; readonly content: string | readonly AnthropicTextBlock[] }
export type AnthropicThinkingBlock = { readonly type: "thinking"; readonly thinking: string; readonly signature: string }
export type AnthropicRedactedThinkingBlock = { readonly type: "redacted_thinking"; readonly data: string }

export type AnthropicUserBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock | AnthropicToolResultBlock
export type AnthropicAssistantBlock = AnthropicTextBlock | AnthropicToolUseBlock | AnthropicThinkingBlock | AnthropicRedactedThinkingBlock

export type AnthropicMessage = { readonly role: "user"; readonly content: readonly AnthropicUserBlock[] } | { readonly role: "assistant"; readonly content: readonly AnthropicAssistantBlock[] }

export interface AnthropicTool {
  readonly name: string
  readonly description?: string
  readonly input_schema: Readonly<Record<string, unknown>>
}

export type AnthropicToolChoice =
  | { readonly type: "auto"; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: "any"; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: "none" }
  | { readonly type: "tool"; readonly name: string; readonly disable_parallel_tool_use?: boolean }

export interface AnthropicMessagesRequest {
  readonly model: string
  readonly messages: readonly AnthropicMessage[]
  readonly max_tokens: number
  readonly system?: readonly AnthropicTextBlock[]
  readonly stream?: boolean
  readonly temperature?: number
  readonly top_p?: number
  readonly top_k?: number
  readonly stop_sequences?: readonly string[]
  readonly tools?: readonly AnthropicTool[]
  readonly tool_choice?: AnthropicToolChoice
  readonly thinking?: { readonly type: "enabled"; readonly budget_tokens: number } | { readonly type: "disabled" }
  readonly output_config?: { readonly format: { readonly type: "json_schema"; readonly schema: Readonly<Record<string, unknown>> } }
  readonly metadata?: { readonly user_id: string }
}

const OptionalNullableString = Schema.optionalKey(Schema.NullOr(Schema.String))
const Rest = [Schema.Record(Schema.String, Schema.Unknown)] as const
const AnyRecord = Schema.Record(Schema.String, Schema.Unknown)

/** Counts read as sent: the usage mapper decides what is one (token-count.ts), so a bad figure never drops the event it came with. */
const UsageFigure = Schema.optionalKey(Schema.Unknown)

export const AnthropicUsage = Schema.StructWithRest(
  Schema.Struct({
    input_tokens: UsageFigure,
    output_tokens: UsageFigure,
    cache_read_input_tokens: UsageFigure,
    cache_creation_input_tokens: UsageFigure,
  }),
  Rest,
)
export type AnthropicUsage = typeof AnthropicUsage.Type

export const AnthropicMessageResponse = Schema.StructWithRest(
  Schema.Struct({
    id: OptionalNullableString,
    model: OptionalNullableString,
    content: Schema.Array(AnyRecord),
    stop_reason: OptionalNullableString,
    usage: Schema.optionalKey(Schema.NullOr(AnthropicUsage)),
  }),
  Rest,
)
export type AnthropicMessageResponse = typeof AnthropicMessageResponse.Type

export const TextBlockIn = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String, citations: Schema.optionalKey(Schema.NullOr(Schema.Array(AnyRecord))) })
export const ThinkingBlockIn = Schema.Struct({ type: Schema.Literal("thinking"), thinking: Schema.String, signature: Schema.optionalKey(Schema.NullOr(Schema.String)) })
export const RedactedThinkingBlockIn = Schema.Struct({ type: Schema.Literal("redacted_thinking"), data: Schema.String })
export const ToolUseBlockIn = Schema.Struct({ type: Schema.Literal("tool_use"), id: Schema.String, name: Schema.String, input: Schema.optionalKey(Schema.Unknown) })

export const MessageStartEvent = Schema.Struct({
  type: Schema.Literal("message_start"),
  message: Schema.StructWithRest(Schema.Struct({ id: OptionalNullableString, model: OptionalNullableString, usage: Schema.optionalKey(Schema.NullOr(AnthropicUsage)) }), Rest),
})
export const ContentBlockStartEvent = Schema.Struct({ type: Schema.Literal("content_block_start"), index: Schema.Number, content_block: AnyRecord })
export const ContentBlockDeltaEvent = Schema.Struct({ type: Schema.Literal("content_block_delta"), index: Schema.Number, delta: AnyRecord })
export const ContentBlockStopEvent = Schema.Struct({ type: Schema.Literal("content_block_stop"), index: Schema.Number })
export const MessageDeltaEvent = Schema.Struct({
  type: Schema.Literal("message_delta"),
  delta: Schema.optionalKey(Schema.NullOr(Schema.StructWithRest(Schema.Struct({ stop_reason: OptionalNullableString }), Rest))),
  usage: Schema.optionalKey(Schema.NullOr(AnthropicUsage)),
})
export const ErrorEvent = Schema.Struct({
  type: Schema.Literal("error"),
  error: Schema.StructWithRest(Schema.Struct({ type: OptionalNullableString, message: OptionalNullableString }), Rest),
})
export type ErrorEvent = typeof ErrorEvent.Type

export const TextDelta = Schema.Struct({ type: Schema.Literal("text_delta"), text: Schema.String })
export const InputJsonDelta = Schema.Struct({ type: Schema.Literal("input_json_delta"), partial_json: Schema.String })
export const ThinkingDelta = Schema.Struct({ type: Schema.Literal("thinking_delta"), thinking: Schema.String })
export const SignatureDelta = Schema.Struct({ type: Schema.Literal("signature_delta"), signature: Schema.String })
export const CitationsDelta = Schema.Struct({ type: Schema.Literal("citations_delta"), citation: AnyRecord })

/** The block Anthropic puts where another model took over the answer (`from` declined; `to` produces what follows). */
export const FallbackBlockIn = Schema.Struct({ type: Schema.Literal("fallback"), to: Schema.Struct({ model: Schema.String }) })
