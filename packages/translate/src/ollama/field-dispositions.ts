import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateOpts } from "../model/types.ts"
import { backendIgnored as ignored, facadeOptionRows, backendRefused as refused, backendSupported as supported, refusedBackendOption, type BackendFieldDispositions } from "../wire/backend-field-disposition.ts"

/**
 * What the ollama backend does with each GenerateOpts field (the chat table says where
 * each OpenAI request field lands). `refused` fields are a 400 naming the client's wire
 * field unless set to their neutral value; the compiler checks every field has a row.
 */
export const ollamaFieldDispositions = {
  model: supported("model"),
  temperature: supported("options.temperature"),
  topP: supported("options.top_p"),
  maxTokens: supported("options.num_predict"),
  maxCompletionTokens: supported("options.num_predict (preferred over max_tokens)"),
  stop: supported("options.stop"),
  seed: supported("options.seed"),
  presencePenalty: supported("options.presence_penalty"),
  frequencyPenalty: supported("options.frequency_penalty"),
  reasoningEffort: supported("think: false for none; true, or low/medium/high where the model takes levels"),
  toolChoice: supported("auto sends the tools, none leaves them out; required, a named function and allowed_tools are refused (Ollama cannot force a call)"),
  responseFormat: supported('format: "json" for json_object, the schema itself for json_schema'),
  passthrough: supported("top_k only (options.top_k); any other passthrough field is refused naming it"),
  user: ignored("end-user id for abuse tracking: Ollama has no such field"),
  metadata: ignored("OpenAI stores it with the completion; Ollama has no such store"),
  n: refused("n", "Ollama generates one answer", (value) => value === 1),
  logprobs: refused("logprobs", "log probabilities are not mapped from Ollama", (value) => value === false),
  topLogprobs: refused("top_logprobs", "log probabilities are not mapped from Ollama", (value) => value === 0),
  parallelToolCalls: refused("parallel_tool_calls", "Ollama cannot be held to one call per turn", (value) => value === true),
  ...facadeOptionRows,
} as const satisfies BackendFieldDispositions

export const ollamaPassthroughFields: ReadonlySet<string> = new Set(["top_k"])

/** The first option the ollama backend cannot honour, as the 400 a client gets; undefined when all can be. */
export function refusedOllamaOption(opts: GenerateOpts): GatewayError | undefined {
  const refused = refusedBackendOption("Ollama", ollamaFieldDispositions, ollamaPassthroughFields, opts)
  if (refused !== undefined) return refused
  const choice = opts.toolChoice
  if (choice !== undefined && choice !== "auto" && choice !== "none") {
    return { _tag: "InvalidRequest", message: "The Ollama backend cannot force a tool call: tool_choice may be auto or none.", param: "tool_choice", code: "unsupported_parameter" }
  }
  return undefined
}
