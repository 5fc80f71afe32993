/**
 * Every field of OpenAI's CreateResponse (POST /v1/responses), with what the gateway
 * does with it; the kinds mean what they mean for chat (chat/field-dispositions.ts):
 * supported (decoded and mapped; with `only`, other non-null values are a 400 naming
 * the field), passthrough (type-checked, forwarded verbatim to OpenAI-compatible
 * backends under the chat field of the same name), ignored (accepted and dropped, with
 * the reason), rejected (a 400 naming the field unless its value is null). Keys that
 * are not OpenAI fields at all are provider extensions, passed through untyped.
 * A test checks this table against the official spec.
 */
import { Schema } from "effect"
import { ignored, passthrough, rejected, supported, type FieldDisposition } from "../wire/field-disposition.ts"

const nullableString = Schema.NullOr(Schema.String)

export const responsesRequestFieldDispositions = {
  model: supported("routed like chat: a configured logical model or a backend's advertised model"),
  input: supported(
    "a string, or items: message (input_text, input_image, input_file; output_text and refusal in assistant turns), function_call, function_call_output, reasoning (accepted, not sent upstream) and item_reference (resolved from storage); other item types are a 400 naming input[i].type",
  ),
  instructions: supported("a system message before the input; not carried over from previous_response_id, as the spec says"),
  previous_response_id: supported("the stored chain is resolved by the storage layer and put before the input"),
  store: supported("the response and its items are stored (default true)"),
  stream: supported("server-sent events `event: <type>` + `data:`, decided by this field only"),
  stream_options: supported("include_obfuscation:true is refused: the gateway re-encodes events and adds no padding"),
  background: supported("only false: background responses are not built", [false], "background: true is not supported by this gateway: responses run in the foreground."),
  tools: supported("function tools; hosted tools (web_search, file_search, code_interpreter, computer_use, image_generation, mcp, shell, …) and custom tools are a 400 naming tools[i].type"),
  tool_choice: supported("none, auto, required, a named function, allowed_tools of function tools; hosted-tool choices are a 400"),
  parallel_tool_calls: supported("GenerateOpts.parallelToolCalls"),
  text: supported("format text, json_object, json_schema -> GenerateOpts.responseFormat; verbosity passed through as chat's verbosity"),
  max_output_tokens: supported("GenerateOpts.maxCompletionTokens (both include reasoning tokens)"),
  reasoning: supported("effort -> GenerateOpts.reasoningEffort; summary (or generate_summary) streams reasoning as summary text; context accepted; mode only standard"),
  temperature: supported("GenerateOpts.temperature"),
  top_p: supported("GenerateOpts.topP"),
  top_logprobs: supported("only 0: logprobs are not returned on /v1/responses", [0], "top_logprobs is not supported by this gateway on /v1/responses: logprobs are not returned."),
  metadata: supported("GenerateOpts.metadata, echoed on the response"),
  user: supported("GenerateOpts.user"),
  truncation: supported("auto drops the oldest turns to fit the model's configured contextWindow before any backend is called (responses/truncate-conversation.ts); disabled (default) sends the conversation whole"),
  include: supported("message.output_text.logprobs is refused; the other values ask for data the gateway's items never carry (hosted-tool results, encrypted reasoning, image urls the client sent)"),
  max_tool_calls: ignored("limits built-in (hosted) tool calls only, and hosted tools are refused"),
  safety_identifier: passthrough("provider-side abuse detection", nullableString),
  prompt_cache_key: passthrough("provider-side prompt caching", nullableString),
  prompt_cache_retention: passthrough("provider-side prompt caching", nullableString),
  prompt_cache_options: passthrough("provider-side prompt caching", Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  service_tier: passthrough("provider-side scheduling; the tier used is echoed back", nullableString),
  conversation: rejected("OpenAI conversation objects are not built: use previous_response_id"),
  prompt: rejected("stored prompt templates are not built: send instructions and input"),
  context_management: rejected("server-side compaction is not built"),
  moderation: rejected("moderation results are not returned by the gateway"),
} as const satisfies Record<string, FieldDisposition>

export type ResponsesRequestFieldName = keyof typeof responsesRequestFieldDispositions

const dispositionsByField: ReadonlyMap<string, FieldDisposition> = new Map(Object.entries(responsesRequestFieldDispositions))

export function responsesFieldDisposition(field: string): FieldDisposition | undefined {
  return dispositionsByField.get(field)
}

/** Hosted tool types, by the name a client sends, for the 400 that names them. */
export const hostedToolTypes: ReadonlySet<string> = new Set([
  "web_search",
  "web_search_preview",
  "web_search_preview_2025_03_11",
  "web_search_2025_08_26",
  "file_search",
  "code_interpreter",
  "computer",
  "computer_use",
  "computer_use_preview",
  "image_generation",
  "mcp",
  "shell",
  "local_shell",
  "apply_patch",
  "tool_search",
])
