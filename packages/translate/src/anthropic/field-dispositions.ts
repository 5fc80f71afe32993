import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateOpts } from "../model/types.ts"

/**
 * What the anthropic backend does with each GenerateOpts field (the chat table says
 * where each OpenAI request field lands in GenerateOpts). `refused` fields are a 400
 * naming the client's wire field when set to anything but their neutral value; the
 * compiler checks that every GenerateOpts field has a row.
 */
export type AnthropicFieldDisposition =
  | { readonly kind: "supported"; readonly note: string }
  | { readonly kind: "ignored"; readonly note: string }
  | { readonly kind: "refused"; readonly param: string; readonly note: string; readonly neutral: (value: unknown) => boolean }
  | { readonly kind: "facade"; readonly note: string }

const absent = () => false
const supported = (note: string): AnthropicFieldDisposition => ({ kind: "supported", note })
const ignored = (note: string): AnthropicFieldDisposition => ({ kind: "ignored", note })
const facade = (note: string): AnthropicFieldDisposition => ({ kind: "facade", note })
const refused = (param: string, note: string, neutral: (value: unknown) => boolean = absent): AnthropicFieldDisposition => ({ kind: "refused", param, note, neutral })

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
  signal: facade("cancellation, used by the backend's transport"),
  requires: facade("Harper 5 facade option, read by routing"),
  adapter: facade("Harper 5 facade option, read by routing"),
  toolMode: facade("Harper 5 facade option, read by the facade"),
  conversationId: facade("Harper 5 facade option, read by the facade"),
} as const satisfies Record<keyof GenerateOpts, AnthropicFieldDisposition>

/** The passthrough fields (OpenAI-compatible extensions) the Messages API takes, under the same name. */
export const anthropicPassthroughFields: ReadonlySet<string> = new Set(["top_k"])

/** The first option the anthropic backend cannot honour, as the 400 a client gets; undefined when all can be. */
export function refusedAnthropicOption(opts: GenerateOpts): GatewayError | undefined {
  for (const [field, disposition] of Object.entries(anthropicFieldDispositions)) {
    if (disposition.kind !== "refused") continue
    const value: unknown = Object.entries(opts).find(([key]) => key === field)?.[1]
    if (value === undefined || value === null || disposition.neutral(value)) continue
    return { _tag: "InvalidRequest", message: `The Anthropic backend does not support '${disposition.param}': ${disposition.note}.`, param: disposition.param, code: "unsupported_parameter" }
  }
  for (const key of Object.keys(opts.passthrough ?? {})) {
    if (!anthropicPassthroughFields.has(key)) {
      return { _tag: "InvalidRequest", message: `The Anthropic backend does not support '${key}'.`, param: key, code: "unsupported_parameter" }
    }
  }
  return undefined
}
