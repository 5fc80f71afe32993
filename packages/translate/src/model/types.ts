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
 *   unknown reason normalises to `other` internally (clients are sent the spec's `stop`);
 * - usage keeps every detail and the raw object; n > 1 choices, logprobs, citations,
 *   provider extensions and the list of repairs made to the upstream's answer are kept.
 */

/**
 * An Anthropic-style prompt-caching breakpoint on a part: the prompt up to and including
 * the block it becomes may be cached. Only the anthropic backend sends it on; the others'
 * APIs have no such field (OpenAI caches prompts by itself).
 */
export type CacheControl = { readonly type: "ephemeral"; readonly ttl?: "5m" | "1h" }

export type TextPart = { readonly type: "text"; readonly text: string; readonly cacheControl?: CacheControl }
export type ImagePart = { readonly type: "image"; readonly url: string; readonly detail?: "auto" | "low" | "high"; readonly cacheControl?: CacheControl }
export type AudioPart = { readonly type: "audio"; readonly data: string; readonly format: "wav" | "mp3" }
export type FilePart = {
  readonly type: "file"
  readonly filename?: string
  readonly fileData?: string
  readonly fileId?: string
  readonly cacheControl?: CacheControl
}
export type RefusalPart = { readonly type: "refusal"; readonly refusal: string }

export type UserContentPart = TextPart | ImagePart | AudioPart | FilePart
export type AssistantContentPart = TextPart | RefusalPart

/**
 * A reasoning block kept whole (Anthropic extended thinking), so a follow-up turn can
 * send it back unaltered: the provider checks the signature, and refuses a tool-use
 * continuation whose thinking was dropped. Redacted blocks carry only opaque data.
 */
export type ThinkingBlock = { readonly type: "thinking"; readonly thinking: string; readonly signature: string } | { readonly type: "redacted_thinking"; readonly data: string }

export interface ToolCall {
  readonly id: string
  readonly name: string
  /** The arguments exactly as the model produced them: JSON text, not re-serialised. */
  readonly arguments: string
  /** Gemini's `thoughtSignature` on the call's part: a follow-up turn must send it back with the call. */
  readonly signature?: string
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
  /** The model's signed reasoning from that turn (see ThinkingBlock), sent back to providers that check it. */
  readonly thinkingBlocks?: readonly ThinkingBlock[]
  /** Gemini's `thoughtSignature` on the turn's text (see GenerateChoiceResult.textSignature), sent back on its text part. */
  readonly textSignature?: string
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

/**
 * Token counts, unified across providers' spellings. A count the upstream did not give
 * (or gave as null) is absent, never 0. `raw` is the usage object exactly as the
 * upstream sent it, so accounting loses nothing the unified fields do not cover.
 */
export interface TokenUsage {
  readonly promptTokens?: number
  readonly completionTokens?: number
  /** As the upstream reported it: some providers count reasoning outside prompt + completion. */
  readonly totalTokens?: number
  /** Prompt tokens read from cache: OpenAI `prompt_tokens_details.cached_tokens`, DeepSeek `prompt_cache_hit_tokens`, Moonshot root `cached_tokens`. */
  readonly cachedTokens?: number
  /** DeepSeek `prompt_cache_miss_tokens` (internal only: no OpenAI field carries it). */
  readonly cacheMissTokens?: number
  /** Prompt tokens written to the cache: Anthropic `cache_creation_input_tokens` (internal only). */
  readonly cacheWriteTokens?: number
  /** Of the cache writes, those kept for an hour (Anthropic `cache_creation.ephemeral_1h_input_tokens`), priced higher (internal only). */
  readonly cacheWrite1hTokens?: number
  readonly promptTextTokens?: number
  readonly promptAudioTokens?: number
  readonly promptImageTokens?: number
  readonly reasoningTokens?: number
  readonly completionTextTokens?: number
  readonly completionAudioTokens?: number
  readonly acceptedPredictionTokens?: number
  readonly rejectedPredictionTokens?: number
  /** xAI `num_sources_used` (internal only). */
  readonly sourcesUsed?: number
  readonly embeddingTokens?: number
  /** Groq's `x_groq.usage.total_time`, in ms (internal only). */
  readonly latencyMs?: number
  readonly gpuMs?: number
  readonly raw?: Readonly<Record<string, unknown>>
  /**
   * The counts the upstream reported with a figure no count can be (negative, fractional,
   * infinite, not a number, above MAX_TOKEN_COUNT): left out above, the figure kept in
   * `raw`, so the models layer estimates them as it does counts never reported. Absent when
   * every figure was trusted.
   */
  readonly untrusted?: readonly UsageCount[]
  /**
   * An OpenAI-protocol upstream's own usage fields beyond the official ones (Groq's
   * `queue_time`, DeepSeek's `prompt_cache_hit_tokens`, xAI's `cost_in_usd_ticks`, …),
   * sanitised where they entered (usage-extensions.ts), for a client on the same
   * protocol: a direct client reads them there. Absent when there were none.
   */
  readonly extensions?: Readonly<Record<string, UsageExtension>>
}

/** A provider usage field the gateway passes on: a JSON scalar, or a flat object of scalars. */
export type UsageScalar = string | number | boolean
export type UsageExtension = UsageScalar | Readonly<Record<string, UsageScalar>>

/** TokenUsage's count fields. */
export type UsageCount = Exclude<keyof TokenUsage, "raw" | "untrusted" | "extensions">

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

/** One token's log probability, as OpenAI reports it. */
export interface TokenLogprob {
  readonly token: string
  readonly logprob: number
  readonly bytes: readonly number[] | null
  readonly topLogprobs: readonly { readonly token: string; readonly logprob: number; readonly bytes: readonly number[] | null }[]
}

/** `choices[].logprobs`: content and refusal token lists (null when the upstream gave none). */
export interface Logprobs {
  readonly content: readonly TokenLogprob[] | null
  readonly refusal: readonly TokenLogprob[] | null
}

/**
 * Legacy text completions' `choices[].logprobs` (`/v1/completions`, `logprobs: k`): the
 * tokens, each one's log probability (null for an echoed prompt's first token, as OpenAI
 * sends it), the k most likely at each position, and each token's character offset.
 */
export interface TextLogprobs {
  readonly tokens?: readonly string[]
  readonly tokenLogprobs?: readonly (number | null)[]
  readonly topLogprobs?: readonly (Readonly<Record<string, number>> | null)[]
  readonly textOffset?: readonly number[]
}

/** A URL citation (OpenAI `message.annotations[]`, web search). */
export interface UrlCitation {
  readonly type: "url_citation"
  readonly url: string
  readonly title: string
  readonly startIndex: number
  readonly endIndex: number
}

/**
 * Names of what the gateway had to repair in an upstream answer for a client to accept
 * it (stored in the accounting row): e.g. `id_missing`, `created_missing`,
 * `created_string`, `model_missing`, `finish_reason_missing`, `tool_call_id_missing`,
 * `tool_arguments_object`, `unknown_content_part`, `annotation_invalid`.
 */
export type Repair = string

/** One generated choice. A result's top-level fields are choice 0; `n > 1` adds `additionalChoices`. */
export interface GenerateChoiceResult {
  /** Null when the model produced no text (a tool-call-only answer or a refusal), as OpenAI sends it. */
  readonly content: string | null
  readonly toolCalls?: readonly ToolCall[]
  readonly finishReason: FinishReason
  /** The upstream's own finish reason, when it had one. */
  readonly rawFinishReason?: string
  readonly refusal?: string
  /** Reasoning text some providers return beside the answer (`reasoning_content`, Magistral `thinking` parts). */
  readonly reasoning?: string
  /** The reasoning as signed blocks, in order, when the provider signs it (see ThinkingBlock). */
  readonly thinkingBlocks?: readonly ThinkingBlock[]
  readonly logprobs?: Logprobs
  /** A text completion's logprobs (see TextLogprobs); chat's are `logprobs`. */
  readonly textLogprobs?: TextLogprobs
  readonly annotations?: readonly UrlCitation[]
  /** Content parts of a type the gateway does not know, kept as the upstream sent them. */
  readonly unknownParts?: readonly Readonly<Record<string, unknown>>[]
  /** Gemini 3's `thoughtSignature` on a text part (the last one given): to be sent back with the text on the next turn. */
  readonly textSignature?: string
  /**
   * The order the upstream gave the answer in, when it is not reasoning, content, refusal, tool
   * calls (Anthropic thinking blocks between tool_use blocks, Gemini thought parts between
   * functionCall parts): runs over the fields above, read by `outputSequence` alone. Absent in
   * that default order.
   */
  readonly sequence?: readonly OutputRun[]
}

/** One run of an answer in the upstream's order: so many characters of a text field, or the tool call at a position of `toolCalls`. */
export type OutputRun = { readonly kind: "reasoning" | "content" | "refusal"; readonly chars: number } | { readonly kind: "toolCall"; readonly position: number }

export interface GenerateResult extends UpstreamIdentity, GenerateChoiceResult {
  readonly usage?: TokenUsage
  /** Choices 1..n-1 when the client asked for n > 1, each with its `index`. */
  readonly additionalChoices?: readonly (GenerateChoiceResult & { readonly index: number })[]
  /** What was repaired in the upstream's answer (see Repair); absent when nothing was. */
  readonly repaired?: readonly Repair[]
  /**
   * The upstream's non-OpenAI top-level fields (Perplexity `citations`,
   * `search_results`, Azure `prompt_filter_results`, …), forwarded unchanged to
   * clients on the OpenAI-compatible path.
   */
  readonly extensions?: Readonly<Record<string, unknown>>
}

export interface ToolCallDelta {
  /** Position of the call in the message; fragments of one call share it. */
  readonly index: number
  readonly id?: string
  readonly name?: string
  readonly argumentsDelta?: string
  /** The call's provider signature (see ToolCall.signature), on the fragment that carries it. */
  readonly signature?: string
}

/** One step of a streamed generation. Identity usually comes on the first chunk. */
export interface GenerateChunk extends UpstreamIdentity {
  /** Which choice the deltas and finish reason belong to (n > 1); absent means 0. */
  readonly choiceIndex?: number
  readonly deltaContent?: string
  readonly deltaReasoning?: string
  readonly deltaRefusal?: string
  readonly deltaToolCalls?: readonly ToolCallDelta[]
  /** Reasoning blocks completed with this chunk (their text also came as deltaReasoning). */
  readonly thinkingBlocks?: readonly ThinkingBlock[]
  readonly logprobs?: Logprobs
  /** A text completion's logprobs for this chunk's tokens (see TextLogprobs). */
  readonly textLogprobs?: TextLogprobs
  readonly annotations?: readonly UrlCitation[]
  readonly unknownParts?: readonly Readonly<Record<string, unknown>>[]
  /** A text part's signature (see GenerateChoiceResult.textSignature) that came with this chunk. */
  readonly textSignature?: string
  readonly finishReason?: FinishReason
  readonly rawFinishReason?: string
  readonly usage?: TokenUsage
  /**
   * The upstream sent this usage on a chunk with choices (DeepSeek's habit), which it does
   * whether asked or not, not as the include_usage chunk (`choices: []`) the gateway asks for:
   * a client that did not ask gets it too, as it would directly.
   */
  readonly usageUnsolicited?: true
  /** Repairs made while reading the upstream stream up to this chunk (see Repair). */
  readonly repaired?: readonly Repair[]
  /** Non-OpenAI top-level fields of the upstream chunk, forwarded unchanged (see GenerateResult.extensions). */
  readonly extensions?: Readonly<Record<string, unknown>>
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
  /**
   * The vectors exactly as the upstream wrote them, in input order: a client that asked
   * for the same encoding gets these untouched (float32 vectors would change an
   * upstream's `0.1` into `0.10000000149011612`, and re-encoding base64 is wasted work).
   */
  readonly asSent?: VectorsAsSent
  /**
   * The vectors as the JSON text a client of that encoding gets, in input order (a number
   * array, or a quoted base64 string): written as they are, never parsed into numbers.
   */
  readonly asSentJson?: VectorsAsJson
}

export interface VectorsAsJson {
  readonly encoding: "float" | "base64"
  readonly vectors: readonly Uint8Array[]
}

export type VectorsAsSent = { readonly encoding: "float"; readonly vectors: readonly (readonly number[])[] } | { readonly encoding: "base64"; readonly vectors: readonly string[] }
