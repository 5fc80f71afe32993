/**
 * The internal model interface: what the gateway's backends speak.
 *
 * A superset of Harper 5's `scope.models` types (GenerateInput, GenerateOpts,
 * GenerateResult, GenerateChunk, TokenUsage, EmbedOpts) so a Harper 5 backend and
 * ours can meet. Where we differ, it is to lose nothing an OpenAI client sent or
 * expects back:
 * - message content may be parts (images, audio, files), not only a string;
 * - tool-call arguments stay the model's raw JSON text (re-serialising changes bytes,
 *   and invalid JSON from a model must reach the client as it was);
 * - stream chunks carry tool-call deltas with `index`, reasoning text and usage;
 * - finish reasons keep the upstream's raw value beside the normalised one, and an
 *   unknown reason normalises to `other`, never to `stop`.
 */

export type TextPart = { readonly type: "text"; readonly text: string }
export type ImagePart = { readonly type: "image"; readonly url: string; readonly detail?: "auto" | "low" | "high" }
export type AudioPart = { readonly type: "audio"; readonly data: string; readonly format: "wav" | "mp3" }
export type FilePart = {
  readonly type: "file"
  readonly filename?: string
  readonly fileData?: string
  readonly fileId?: string
}
export type RefusalPart = { readonly type: "refusal"; readonly refusal: string }

export type UserContentPart = TextPart | ImagePart | AudioPart | FilePart
export type AssistantContentPart = TextPart | RefusalPart

export interface ToolCall {
  readonly id: string
  readonly name: string
  /** The arguments exactly as the model produced them: JSON text, not re-serialised. */
  readonly arguments: string
}

export type SystemMessage = {
  readonly role: "system" | "developer"
  readonly content: string | readonly TextPart[]
  readonly name?: string
}
export type UserMessage = {
  readonly role: "user"
  readonly content: string | readonly UserContentPart[]
  readonly name?: string
}
export type AssistantMessage = {
  readonly role: "assistant"
  readonly content: string | readonly AssistantContentPart[] | null
  readonly name?: string
  readonly refusal?: string | null
  readonly toolCalls?: readonly ToolCall[]
  /** A previous audio answer the model gave, by id (OpenAI's assistant `audio: {id}`). */
  readonly audio?: { readonly id: string }
}
export type ToolMessage = {
  readonly role: "tool"
  readonly content: string | readonly TextPart[]
  readonly toolCallId: string
  readonly name?: string
}
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage

export interface ToolDef {
  readonly name: string
  readonly description?: string
  /** JSON Schema, passed through untouched. */
  readonly parameters?: Readonly<Record<string, unknown>>
  readonly strict?: boolean | null
}

export type ToolChoice =
  | "auto"
  | "none"
  | "required"
  | { readonly type: "function"; readonly name: string }
  /** OpenAI's `allowed_tools`: the tool definitions are kept verbatim (the spec allows any keys in them). */
  | { readonly type: "allowed_tools"; readonly mode: "auto" | "required"; readonly tools: readonly Readonly<Record<string, unknown>>[] }

export type ResponseFormat =
  /** Harper 5's shorthand forms. */
  | "text"
  | "json"
  | { readonly schema: Readonly<Record<string, unknown>> }
  /** OpenAI's forms, with the client's name, description and strictness kept. */
  | { readonly type: "text" }
  | { readonly type: "json_object" }
  | {
      readonly type: "json_schema"
      readonly name: string
      readonly description?: string
      readonly schema?: Readonly<Record<string, unknown>>
      readonly strict?: boolean | null
    }

/** A conversation with the tools the model may call: what a chat request carries. */
export interface Conversation {
  readonly messages: readonly Message[]
  readonly tools?: readonly ToolDef[]
}

/** What a caller may pass to `generate`: Harper 5's three forms. `toConversation` normalises them. */
export type GenerateInput = string | readonly Message[] | (Conversation & { readonly system?: string })

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max"

/**
 * Generation options. Every field an OpenAI client may set has a home here, or in
 * `passthrough` (fields only an OpenAI-compatible upstream understands, forwarded
 * verbatim under their wire names; see the field-disposition table).
 */
export interface GenerateOpts {
  /** Logical model name, as the client asked for it; routing resolves it. */
  readonly model?: string
  readonly temperature?: number
  readonly topP?: number
  /** The client's legacy `max_tokens`. */
  readonly maxTokens?: number
  /** The client's `max_completion_tokens` (includes reasoning tokens). */
  readonly maxCompletionTokens?: number
  readonly stop?: string | readonly string[]
  readonly seed?: number
  readonly presencePenalty?: number
  readonly frequencyPenalty?: number
  readonly user?: string
  readonly metadata?: Readonly<Record<string, string>>
  readonly reasoningEffort?: ReasoningEffort
  readonly toolChoice?: ToolChoice
  readonly parallelToolCalls?: boolean
  readonly responseFormat?: ResponseFormat
  /** How many choices to generate; a backend that cannot give more than one refuses n > 1 with a 400 naming `n`. */
  readonly n?: number
  readonly logprobs?: boolean
  readonly topLogprobs?: number
  readonly passthrough?: Readonly<Record<string, unknown>>
  readonly signal?: AbortSignal
  /** Harper 5 facade options, carried for its callers; the translate mappers do not read them. */
  readonly requires?: readonly string[]
  readonly adapter?: string
  readonly toolMode?: "return" | "auto"
  readonly conversationId?: string
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "other"

export interface TokenUsage {
  readonly promptTokens?: number
  readonly completionTokens?: number
  /** As the upstream reported it: some providers count reasoning outside prompt + completion. */
  readonly totalTokens?: number
  readonly cachedTokens?: number
  readonly reasoningTokens?: number
  readonly embeddingTokens?: number
  readonly latencyMs?: number
  readonly gpuMs?: number
}

/** What the upstream called its completion. */
export interface UpstreamIdentity {
  readonly id?: string
  /** The upstream's model id (often a dated snapshot of what was asked for). */
  readonly model?: string
  /** Unix seconds. */
  readonly created?: number
  readonly systemFingerprint?: string
  readonly serviceTier?: string
}

export interface GenerateResult extends UpstreamIdentity {
  readonly content: string
  readonly toolCalls?: readonly ToolCall[]
  readonly finishReason: FinishReason
  /** The upstream's own finish reason, when it had one. */
  readonly rawFinishReason?: string
  readonly refusal?: string
  /** Reasoning text some providers return beside the answer (`reasoning_content`). */
  readonly reasoning?: string
  readonly usage?: TokenUsage
}

export interface ToolCallDelta {
  /** Position of the call in the message; fragments of one call share it. */
  readonly index: number
  readonly id?: string
  readonly name?: string
  readonly argumentsDelta?: string
}

/** One step of a streamed generation. Identity usually comes on the first chunk. */
export interface GenerateChunk extends UpstreamIdentity {
  readonly deltaContent?: string
  readonly deltaReasoning?: string
  readonly deltaRefusal?: string
  readonly deltaToolCalls?: readonly ToolCallDelta[]
  readonly finishReason?: FinishReason
  readonly rawFinishReason?: string
  readonly usage?: TokenUsage
}

export type EmbedInput = string | readonly string[] | readonly number[] | readonly (readonly number[])[]

export interface EmbedOpts {
  readonly model?: string
  readonly requires?: readonly string[]
  readonly dimensions?: number
  readonly user?: string
  readonly inputType?: "document" | "query"
  readonly signal?: AbortSignal
}

export interface EmbedResult {
  /** One vector per input, in input order. */
  readonly vectors: readonly Float32Array[]
  readonly usage?: TokenUsage
  readonly model?: string
}
