/**
 * OpenAI `CreateResponse` (POST /v1/responses) as Effect Schemas: the fields and input
 * items the gateway models. Every other top-level key is handled by the Responses
 * disposition table (responses/field-dispositions.ts). Input items are decoded one by
 * one, picked by their `type` (see decode-responses-request.ts), so a failure names
 * `input[3].content[0].image_url`, not a union dump. Nested objects are decoded with
 * `onExcessProperty: "error"`; fields clients echo back from earlier responses
 * (`id`, `status`, `annotations`, `logprobs`, `phase`) are modelled and then ignored.
 */
import { Schema } from "effect"
import { compiled } from "./compile-schema.ts"

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)
const nullable = <S extends Schema.Top>(s: S) => Schema.optionalKey(Schema.NullOr(s))
const optional = <S extends Schema.Top>(s: S) => Schema.optionalKey(s)
const ItemStatus = Schema.Literals(["in_progress", "completed", "incomplete"])
/** Prompt-caching hint on input parts: accepted and dropped (no chat field carries it). */
const cacheBreakpoint = Schema.optionalKey(Schema.Unknown)

export const InputTextPart = Schema.Struct({ type: Schema.Literal("input_text"), text: Schema.String, prompt_cache_breakpoint: cacheBreakpoint })
export const InputImagePart = Schema.Struct({
  type: Schema.Literal("input_image"),
  image_url: nullable(Schema.String),
  file_id: nullable(Schema.String),
  // Required by the spec, but clients (and OpenAI itself) accept it absent.
  detail: optional(Schema.Literals(["low", "high", "auto", "original"])),
  prompt_cache_breakpoint: cacheBreakpoint,
})
export const InputFilePart = Schema.Struct({
  type: Schema.Literal("input_file"),
  file_id: nullable(Schema.String),
  filename: optional(Schema.String),
  file_data: optional(Schema.String),
  file_url: optional(Schema.String),
  detail: optional(Schema.String),
  prompt_cache_breakpoint: cacheBreakpoint,
})
/** An assistant turn echoed back as input (what OpenAI returned in `output`). */
export const OutputTextPart = Schema.Struct({
  type: Schema.Literal("output_text"),
  text: Schema.String,
  annotations: optional(Schema.Array(Schema.Unknown)),
  logprobs: optional(Schema.Array(Schema.Unknown)),
})
export const RefusalPart = Schema.Struct({ type: Schema.Literal("refusal"), refusal: Schema.String })

export const inputContentPartTypes = ["input_text", "input_image", "input_file", "output_text", "refusal"] as const
export const InputContentPart = Schema.Union([InputTextPart, InputImagePart, InputFilePart, OutputTextPart, RefusalPart]).annotate({
  expected: 'a content part of type "input_text", "input_image", "input_file", "output_text" or "refusal"',
})
export type InputContentPart = typeof InputContentPart.Type

export const messageRoles = ["user", "assistant", "system", "developer"] as const
export const InputMessageItem = Schema.Struct({
  type: optional(Schema.Literal("message")),
  role: Schema.Literals(messageRoles),
  content: Schema.Union([Schema.String, Schema.Array(InputContentPart)]).annotate({ expected: "a string or an array of content parts" }),
  id: nullable(Schema.String),
  status: nullable(ItemStatus),
  phase: nullable(Schema.Literals(["commentary", "final_answer"])),
})
export type InputMessageItem = typeof InputMessageItem.Type

export const FunctionCallItem = Schema.Struct({
  type: Schema.Literal("function_call"),
  call_id: Schema.String,
  name: Schema.String,
  arguments: Schema.String,
  id: nullable(Schema.String),
  status: nullable(ItemStatus),
})
export type FunctionCallItem = typeof FunctionCallItem.Type

export const FunctionCallOutputItem = Schema.Struct({
  type: Schema.Literal("function_call_output"),
  call_id: Schema.String,
  output: Schema.Union([Schema.String, Schema.Array(Schema.Union([InputTextPart, InputImagePart, InputFilePart]))]).annotate({
    expected: "a string or an array of input_text, input_image or input_file parts",
  }),
  id: nullable(Schema.String),
  status: nullable(ItemStatus),
  name: nullable(Schema.String),
})
export type FunctionCallOutputItem = typeof FunctionCallOutputItem.Type

export const ReasoningInputItem = Schema.Struct({
  type: Schema.Literal("reasoning"),
  id: optional(Schema.String),
  summary: Schema.Array(Schema.Struct({ type: Schema.Literal("summary_text"), text: Schema.String })),
  content: nullable(Schema.Array(Schema.Struct({ type: Schema.Literal("reasoning_text"), text: Schema.String }))),
  encrypted_content: nullable(Schema.String),
  status: nullable(ItemStatus),
})
export type ReasoningInputItem = typeof ReasoningInputItem.Type

export const ItemReference = Schema.Struct({ type: nullable(Schema.Literal("item_reference")), id: Schema.String })
export type ItemReference = typeof ItemReference.Type

/** An input item other than a reference: what a stored item (input or output) is read as. */
export type ResponseItem = InputMessageItem | FunctionCallItem | FunctionCallOutputItem | ReasoningInputItem
export type InputItem = ResponseItem | ItemReference

/** The input item types the gateway accepts (a message may omit `type`). */
export const inputItemTypes = ["message", "function_call", "function_call_output", "reasoning", "item_reference"] as const

export const ResponsesFunctionTool = Schema.Struct({
  type: Schema.Literal("function"),
  name: Schema.String,
  description: nullable(Schema.String),
  parameters: nullable(JsonObject),
  strict: nullable(Schema.Boolean),
})
export type ResponsesFunctionTool = typeof ResponsesFunctionTool.Type

export const ResponsesToolChoice = Schema.Union([
  Schema.Literals(["none", "auto", "required"]),
  Schema.Struct({ type: Schema.Literal("function"), name: Schema.String }),
  Schema.Struct({ type: Schema.Literal("allowed_tools"), mode: Schema.Literals(["auto", "required"]), tools: Schema.Array(JsonObject) }),
]).annotate({ expected: '"none", "auto", "required", {"type":"function","name":…} or {"type":"allowed_tools",…}' })
export type ResponsesToolChoice = typeof ResponsesToolChoice.Type

export const TextFormat = Schema.Union([
  Schema.Struct({ type: Schema.Literal("text") }),
  Schema.Struct({ type: Schema.Literal("json_object") }),
  Schema.Struct({
    type: Schema.Literal("json_schema"),
    name: Schema.String,
    schema: JsonObject,
    description: optional(Schema.String),
    strict: nullable(Schema.Boolean),
  }),
]).annotate({ expected: 'a format of type "text", "json_object" or "json_schema"' })
export type TextFormat = typeof TextFormat.Type

export const TextParam = Schema.Struct({
  format: optional(TextFormat),
  verbosity: nullable(Schema.Literals(["low", "medium", "high"])),
})
export type TextParam = typeof TextParam.Type

export const reasoningEfforts = ["none", "minimal", "low", "medium", "high", "xhigh", "max"] as const
const SummaryMode = Schema.Literals(["auto", "concise", "detailed"])
export const ReasoningParam = Schema.Struct({
  effort: nullable(Schema.Literals(reasoningEfforts)),
  summary: nullable(SummaryMode),
  /** Deprecated spelling of `summary`. */
  generate_summary: nullable(SummaryMode),
  /** Which earlier reasoning the model keeps: the gateway sends no reasoning items upstream, so any value means the same. */
  context: nullable(Schema.Literals(["auto", "current_turn", "all_turns"])),
  mode: nullable(Schema.Literal("standard")),
})
export type ReasoningParam = typeof ReasoningParam.Type

const between = (minimum: number, maximum: number) => Schema.Number.check(Schema.isBetween({ minimum, maximum }))

/** The fields the gateway models. Every other top-level key is handled by the disposition table. */
export const ResponsesRequestFields = {
  model: Schema.String,
  // Input items are checked one by one (decodeInputItem); here only the outer shape.
  input: optional(Schema.Union([Schema.String, Schema.Array(Schema.Unknown)]).annotate({ expected: "a string or an array of input items" })),
  instructions: nullable(Schema.String),
  previous_response_id: nullable(Schema.String),
  store: nullable(Schema.Boolean),
  stream: nullable(Schema.Boolean),
  stream_options: nullable(Schema.Struct({ include_obfuscation: optional(Schema.Boolean) })),
  background: nullable(Schema.Boolean),
  tools: optional(Schema.Array(Schema.Unknown)),
  tool_choice: optional(ResponsesToolChoice),
  parallel_tool_calls: nullable(Schema.Boolean),
  text: optional(TextParam),
  max_output_tokens: nullable(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  reasoning: nullable(ReasoningParam),
  temperature: nullable(between(0, 2)),
  top_p: nullable(between(0, 1)),
  top_logprobs: nullable(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 20 }))),
  metadata: nullable(Schema.Record(Schema.String, Schema.String)),
  user: optional(Schema.String),
  truncation: nullable(Schema.Literals(["auto", "disabled"])),
  include: nullable(Schema.Array(Schema.String)),
} as const

export const ResponsesRequest = compiled(Schema.Struct(ResponsesRequestFields))
export type ResponsesRequest = typeof ResponsesRequest.Type
