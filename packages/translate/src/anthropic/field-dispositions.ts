import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateOpts } from "../model/types.ts"
import { backendIgnored as ignored, facadeOptionRows, backendRefused as refused, backendSupported as supported, refusedBackendOption, type BackendFieldDispositions } from "../wire/backend-field-disposition.ts"

/**
 * What the anthropic backend does with each GenerateOpts field (the chat table says
 * where each OpenAI request field lands in GenerateOpts). `refused` fields are a 400
 * naming the client's wire field when set to anything but their neutral value; the
 * compiler checks that every GenerateOpts field has a row.
 */
export const anthropicFieldDispositions = {
  model: supported("model"),
  temperature: supported("temperature (Anthropic's range is 0..1; the API refuses more)"),
  topP: supported("top_p"),
  maxTokens: supported("max_tokens"),
  maxCompletionTokens: supported("max_tokens (it includes thinking tokens, as max_completion_tokens includes reasoning)"),
  stop: supported("stop_sequences"),
  user: supported("metadata.user_id"),
  reasoningEffort: supported("thinking.budget_tokens from the configured budget per effort; none disables thinking"),
  toolChoice: supported("auto, any (required), none, tool (named); allowed_tools is refused"),
  parallelToolCalls: supported("false sets disable_parallel_tool_use"),
  responseFormat: supported("json_schema: output_config.format where the model takes it, else a forced tool; json_object: a forced tool with an open object schema"),
  passthrough: supported("top_k only; any other passthrough field is refused naming it"),
  metadata: ignored("OpenAI stores it with the completion; Anthropic has no such store and its metadata takes only user_id"),
  n: refused("n", "the Messages API generates one answer", (value) => value === 1),
  logprobs: refused("logprobs", "the Messages API returns no log probabilities", (value) => value === false),
  topLogprobs: refused("top_logprobs", "the Messages API returns no log probabilities", (value) => value === 0),
  seed: refused("seed", "the Messages API has no seed"),
  presencePenalty: refused("presence_penalty", "the Messages API has no presence penalty", (value) => value === 0),
  frequencyPenalty: refused("frequency_penalty", "the Messages API has no frequency penalty", (value) => value === 0),
  ...facadeOptionRows,
} as const satisfies BackendFieldDispositions

/** The passthrough fields (OpenAI-compatible extensions) the Messages API takes, under the same name. */
export const anthropicPassthroughFields: ReadonlySet<string> = new Set(["top_k"])

/** The first option the anthropic backend cannot honour, as the 400 a client gets; undefined when all can be. */
export function refusedAnthropicOption(opts: GenerateOpts): GatewayError | undefined {
  return refusedBackendOption("Anthropic", anthropicFieldDispositions, anthropicPassthroughFields, opts)
}
