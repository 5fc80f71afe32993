/**
 * Every field of OpenAI's CreateChatCompletionRequest, with what the gateway does
 * with it. Nothing is silently dropped:
 * - supported: decoded and mapped into GenerateInput/GenerateOpts (some only for the
 *   values listed in `only`; other values are a 400 naming the field);
 * - passthrough: type-checked, then forwarded verbatim under its wire name to
 *   OpenAI-compatible backends (`GenerateOpts.passthrough`); a backend that cannot
 *   honour it rejects it with a 400;
 * - ignored: accepted and dropped. For fields the spec lacks but clients echo back
 *   from responses (stored histories), so refusing them would break real clients and
 *   forwarding them would confuse upstreams;
 * - rejected: a 400 naming the field unless its value is null, because honouring it
 *   would need a response shape the gateway does not return.
 * Keys that are not OpenAI fields at all are provider extensions (vLLM's `top_k`,
 * …): kept untyped for the model's forwarding policy, which forwards them only when
 * `extraFields` lists them and otherwise refuses them with a 400.
 * A test checks this table against the official spec so a new field cannot slip by.
 */
import { Schema } from "effect"
import { ignored, passthrough, rejected, supported, type FieldDisposition } from "../wire/field-disposition.ts"

export type { FieldDisposition } from "../wire/field-disposition.ts"

const nullableString = Schema.NullOr(Schema.String)

export const chatRequestFieldDispositions = {
  model: supported("routed to a configured logical model or a backend's advertised model"),
  messages: supported("all roles (system, developer, user, assistant, tool, and the deprecated function) and parts (text, image_url, input_audio, file, refusal); nested fields in nestedFieldDispositions"),
  stream: supported("server-sent events, decided by this field only"),
  stream_options: supported("include_usage adds the usage chunk; include_obfuscation:true is refused because the gateway re-encodes chunks and adds no padding"),
  temperature: supported("GenerateOpts.temperature"),
  top_p: supported("GenerateOpts.topP"),
  n: supported("GenerateOpts.n: every choice mapped by index; a backend that cannot give several refuses n > 1 with a 400 naming n"),
  stop: supported("GenerateOpts.stop"),
  max_tokens: supported("GenerateOpts.maxTokens (legacy)"),
  max_completion_tokens: supported("GenerateOpts.maxCompletionTokens"),
  presence_penalty: supported("GenerateOpts.presencePenalty"),
  frequency_penalty: supported("GenerateOpts.frequencyPenalty"),
  seed: supported("GenerateOpts.seed"),
  user: supported("GenerateOpts.user"),
  metadata: supported("GenerateOpts.metadata"),
  tools: supported("function tools; custom (grammar) tools are refused with a 400"),
  tool_choice: supported("none, auto, required, a named function and allowed_tools; custom is refused"),
  parallel_tool_calls: supported("GenerateOpts.parallelToolCalls"),
  response_format: supported("text, json_object and json_schema (name, description, schema, strict kept)"),
  reasoning_effort: supported("GenerateOpts.reasoningEffort"),
  modalities: supported("text output only", [["text"]], 'Only modalities ["text"] is supported: the gateway does not return audio.'),
  logprobs: supported("GenerateOpts.logprobs; choices[].logprobs mapped back, streamed and not"),
  top_logprobs: supported("GenerateOpts.topLogprobs"),
  logit_bias: passthrough("token ids are provider-specific", Schema.NullOr(Schema.Record(Schema.String, Schema.Number))),
  store: passthrough("provider-side storage", Schema.NullOr(Schema.Boolean)),
  service_tier: passthrough("provider-side scheduling; the tier used is echoed back", nullableString),
  verbosity: passthrough("provider-side", nullableString),
  prompt_cache_key: passthrough("provider-side prompt caching", nullableString),
  prompt_cache_retention: passthrough("provider-side prompt caching", nullableString),
  prompt_cache_options: passthrough("provider-side prompt caching", Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  safety_identifier: passthrough("provider-side abuse detection", nullableString),
  prediction: passthrough("predicted outputs only change latency", Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  audio: rejected("audio output is not returned by the gateway"),
  web_search_options: rejected("web search annotations are not returned by the gateway"),
  moderation: rejected("moderation results are not returned by the gateway"),
  functions: rejected("deprecated: use tools"),
  function_call: rejected("deprecated: use tool_choice"),
} as const satisfies Record<string, FieldDisposition>

/**
 * Fields inside messages, by path (`[]` is any position). Only those whose disposition
 * is not obvious from the spec are listed: every other nested field of the spec is
 * supported, and a nested field in neither is a 400 naming its path.
 */
export const nestedFieldDispositions = {
  "messages[].content[].cache_control": supported(
    "Anthropic-style prompt-caching breakpoint ({type: ephemeral, ttl?: 5m | 1h}, null accepted) on text, image and file parts: the anthropic backend sends it on the block they become; an OpenAI-compatible model whose config lists cache_control in extraFields is sent it on the part as written (some such upstreams honour it); other models are not sent it (accepted and not sent, as their APIs have no such field); on audio and refusal parts it is dropped",
  ),
  "messages[].annotations": ignored("OpenAI returns it on assistant messages; stored histories send it back"),
  "messages[].parsed": ignored("the openai SDK's parse helpers add it to assistant messages; histories send it back"),
  "messages[].reasoning_content": ignored("the gateway sends it on answers and histories echo it back; providers that check reasoning get it signed, as thinking_blocks"),
  "messages[].thinking_blocks": supported("LiteLLM-compatible extension: signed reasoning sent back to a provider that checks it (Anthropic); OpenAI-compatible upstreams have no such field and are not sent it; null accepted"),
  "messages[].refusal": supported("assistant refusal, kept (null accepted)"),
  "messages[].audio": supported("assistant audio {id} kept, null accepted"),
  "messages[].function_call": supported("deprecated: read as a tool call with id call_legacy_<position>; null accepted"),
  "messages[role=function]": supported("deprecated: read as the tool message answering the latest legacy function call"),
} as const satisfies Record<string, FieldDisposition>

export type ChatRequestFieldName = keyof typeof chatRequestFieldDispositions

const dispositionsByField: ReadonlyMap<string, FieldDisposition> = new Map(Object.entries(chatRequestFieldDispositions))

export function dispositionOf(field: string): FieldDisposition | undefined {
  return dispositionsByField.get(field)
}
