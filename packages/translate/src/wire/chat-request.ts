/**
 * OpenAI `CreateChatCompletionRequest` as Effect Schemas: one schema gives the
 * TypeScript type, the decoder, and the failing path that becomes the error's `param`.
 *
 * Nested objects are decoded with `onExcessProperty: "error"` by the request decoder,
 * so a field we do not model is reported, never silently dropped. Opaque JSON the
 * gateway never interprets (tool parameter schemas, response schemas, metadata
 * values, logit bias) is kept verbatim.
 */
import { Schema } from "effect"
import { compiled } from "./compile-schema.ts"
import { ThinkingBlockWire } from "./thinking-blocks.ts"

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

/**
 * Anthropic-style prompt caching hints other SDKs (LiteLLM's, Anthropic's own habits) put
 * on content parts (see `nestedFieldDispositions`): kept for the anthropic backend,
 * which sends them on as the block's `cache_control`, and for an OpenAI-compatible model
 * whose config lists `cache_control` in `extraFields`, which is sent them on the part.
 */
export const CacheControlWire = Schema.Struct({
  type: Schema.Literal("ephemeral"),
  ttl: Schema.optionalKey(Schema.Literals(["5m", "1h"])),
})
const cacheControl = Schema.optionalKey(Schema.NullOr(CacheControlWire))

export const TextPart = Schema.Struct({
  type: Schema.Literal("text"),
  text: Schema.String,
  cache_control: cacheControl,
})
export type TextPart = typeof TextPart.Type

export const ImageUrlPart = Schema.Struct({
  type: Schema.Literal("image_url"),
  image_url: Schema.Struct({
    url: Schema.String,
    detail: Schema.optionalKey(Schema.Literals(["auto", "low", "high"])),
  }),
  cache_control: cacheControl,
})
export type ImageUrlPart = typeof ImageUrlPart.Type

export const InputAudioPart = Schema.Struct({
  type: Schema.Literal("input_audio"),
  input_audio: Schema.Struct({
    data: Schema.String,
    format: Schema.Literals(["wav", "mp3"]),
  }),
  cache_control: cacheControl,
})
export type InputAudioPart = typeof InputAudioPart.Type

export const FilePart = Schema.Struct({
  type: Schema.Literal("file"),
  file: Schema.Struct({
    filename: Schema.optionalKey(Schema.String),
    file_data: Schema.optionalKey(Schema.String),
    file_id: Schema.optionalKey(Schema.String),
  }),
  cache_control: cacheControl,
})
export type FilePart = typeof FilePart.Type

export const RefusalPart = Schema.Struct({
  type: Schema.Literal("refusal"),
  refusal: Schema.String,
  cache_control: cacheControl,
})
export type RefusalPart = typeof RefusalPart.Type

const nonEmpty = <S extends Schema.Top>(item: S) => Schema.Array(item).check(Schema.isMinLength(1))

const TextContent = Schema.Union([Schema.String, nonEmpty(TextPart)]).annotate({
  expected: "a string or a non-empty array of text parts",
})

export const UserContentPart = Schema.Union([TextPart, ImageUrlPart, InputAudioPart, FilePart]).annotate({
  expected: 'a content part of type "text", "image_url", "input_audio" or "file"',
})
export type UserContentPart = typeof UserContentPart.Type

export const AssistantContentPart = Schema.Union([TextPart, RefusalPart]).annotate({
  expected: 'a content part of type "text" or "refusal"',
})
export type AssistantContentPart = typeof AssistantContentPart.Type

export const FunctionToolCall = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("function"),
  function: Schema.Struct({ name: Schema.String, arguments: Schema.String }),
})
export type FunctionToolCall = typeof FunctionToolCall.Type

export const LegacyFunctionCall = Schema.Struct({ name: Schema.String, arguments: Schema.String })

export const SystemMessage = Schema.Struct({
  role: Schema.Literal("system"),
  content: TextContent,
  name: Schema.optionalKey(Schema.String),
})
export const DeveloperMessage = Schema.Struct({
  role: Schema.Literal("developer"),
  content: TextContent,
  name: Schema.optionalKey(Schema.String),
})
export const UserMessage = Schema.Struct({
  role: Schema.Literal("user"),
  content: Schema.Union([Schema.String, nonEmpty(UserContentPart)]).annotate({
    expected: "a string or a non-empty array of content parts",
  }),
  name: Schema.optionalKey(Schema.String),
})
export const AssistantMessage = Schema.Struct({
  role: Schema.Literal("assistant"),
  content: Schema.optionalKey(
    Schema.NullOr(Schema.Union([Schema.String, nonEmpty(AssistantContentPart)])).annotate({
      expected: "a string, null, or a non-empty array of text or refusal parts",
    }),
  ),
  refusal: Schema.optionalKey(Schema.NullOr(Schema.String)),
  name: Schema.optionalKey(Schema.String),
  tool_calls: Schema.optionalKey(Schema.Array(FunctionToolCall)),
  audio: Schema.optionalKey(Schema.NullOr(Schema.Struct({ id: Schema.String }))),
  /** Deprecated: read as a tool call (see messagesFromOpenAI). */
  function_call: Schema.optionalKey(Schema.NullOr(LegacyFunctionCall)),
  /** Accepted and dropped: what OpenAI returns on assistant messages, echoed back in stored histories. */
  annotations: Schema.optionalKey(Schema.Unknown),
  parsed: Schema.optionalKey(Schema.Unknown),
  /** LiteLLM-compatible extension: the signed reasoning the gateway sent with this answer, sent back (see thinking-blocks.ts). */
  thinking_blocks: Schema.optionalKey(Schema.NullOr(Schema.Array(ThinkingBlockWire))),
  /** Accepted and dropped: the reasoning text the gateway sent, echoed back; its signed form is thinking_blocks. */
  reasoning_content: Schema.optionalKey(Schema.Unknown),
})
export const ToolMessage = Schema.Struct({
  role: Schema.Literal("tool"),
  content: TextContent,
  tool_call_id: Schema.String,
  /** Not in the spec, but LangChain.js sends the tool's name here and OpenAI accepts it. */
  name: Schema.optionalKey(Schema.String),
})

/** Deprecated by the spec (the answer to a legacy `function_call`), still accepted by it. */
export const FunctionMessage = Schema.Struct({
  role: Schema.Literal("function"),
  content: Schema.NullOr(Schema.String),
  name: Schema.String,
})

export const messageRoles = ["system", "developer", "user", "assistant", "tool", "function"] as const

export const ChatMessage = Schema.Union([SystemMessage, DeveloperMessage, UserMessage, AssistantMessage, ToolMessage, FunctionMessage]).annotate({
  expected: 'a message with role "system", "developer", "user", "assistant", "tool" or "function"',
})
export type ChatMessage = typeof ChatMessage.Type
export type AssistantMessage = typeof AssistantMessage.Type
export type FunctionMessage = typeof FunctionMessage.Type

export const FunctionTool = Schema.Struct({
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: Schema.String,
    description: Schema.optionalKey(Schema.String),
    parameters: Schema.optionalKey(JsonObject),
    strict: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  }),
})
export type FunctionTool = typeof FunctionTool.Type

export const AllowedToolsChoice = Schema.Struct({
  type: Schema.Literal("allowed_tools"),
  allowed_tools: Schema.Struct({
    mode: Schema.Literals(["auto", "required"]),
    tools: Schema.Array(JsonObject),
  }),
})

export const ToolChoice = Schema.Union([Schema.Literals(["none", "auto", "required"]), Schema.Struct({ type: Schema.Literal("function"), function: Schema.Struct({ name: Schema.String }) }), AllowedToolsChoice]).annotate({
  expected: '"none", "auto", "required", {"type":"function",…} or {"type":"allowed_tools",…}',
})
export type ToolChoice = typeof ToolChoice.Type

export const ResponseFormat = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text") }),
  Schema.Struct({ type: Schema.Literal("json_object") }),
  Schema.Struct({
    type: Schema.Literal("json_schema"),
    json_schema: Schema.Struct({
      name: Schema.String,
      description: Schema.optionalKey(Schema.String),
      schema: Schema.optionalKey(JsonObject),
      strict: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
    }),
  }),
]).annotate({ expected: 'a response format of type "text", "json_object" or "json_schema"' })
export type ResponseFormat = typeof ResponseFormat.Type

export const StreamOptions = Schema.Struct({
  include_usage: Schema.optionalKey(Schema.Boolean),
  include_obfuscation: Schema.optionalKey(Schema.Boolean),
})

const Int = Schema.Int
const between = (minimum: number, maximum: number) => Schema.Number.check(Schema.isBetween({ minimum, maximum }))
const nullable = <S extends Schema.Top>(s: S) => Schema.optionalKey(Schema.NullOr(s))

/** The fields the gateway models. Every other top-level key is handled by the disposition table. */
export const ChatRequestFields = {
  model: Schema.String,
  messages: nonEmpty(ChatMessage),
  stream: nullable(Schema.Boolean),
  stream_options: nullable(StreamOptions),
  temperature: nullable(between(0, 2)),
  top_p: nullable(between(0, 1)),
  n: nullable(Int.check(Schema.isBetween({ minimum: 1, maximum: 128 }))),
  stop: nullable(
    Schema.Union([Schema.String, Schema.Array(Schema.String).check(Schema.isBetweenLength(1, 4))]).annotate({
      expected: "a string or an array of 1 to 4 strings",
    }),
  ),
  max_tokens: nullable(Int.check(Schema.isGreaterThanOrEqualTo(1))),
  max_completion_tokens: nullable(Int.check(Schema.isGreaterThanOrEqualTo(1))),
  presence_penalty: nullable(between(-2, 2)),
  frequency_penalty: nullable(between(-2, 2)),
  seed: nullable(Int),
  logprobs: nullable(Schema.Boolean),
  top_logprobs: nullable(Int.check(Schema.isBetween({ minimum: 0, maximum: 20 }))),
  user: Schema.optionalKey(Schema.String),
  metadata: nullable(Schema.Record(Schema.String, Schema.String)),
  tools: Schema.optionalKey(Schema.Array(FunctionTool)),
  tool_choice: Schema.optionalKey(ToolChoice),
  parallel_tool_calls: Schema.optionalKey(Schema.Boolean),
  response_format: Schema.optionalKey(ResponseFormat),
  reasoning_effort: nullable(Schema.Literals(["none", "minimal", "low", "medium", "high", "xhigh", "max"])),
  modalities: nullable(Schema.Array(Schema.Literals(["text", "audio"]))),
} as const

export const ChatRequest = compiled(Schema.Struct(ChatRequestFields))
export type ChatRequest = typeof ChatRequest.Type
