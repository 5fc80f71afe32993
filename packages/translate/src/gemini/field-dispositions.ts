import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateOpts } from "../model/types.ts"
import { backendIgnored as ignored, facadeOptionRows, backendRefused as refused, backendSupported as supported, refusedBackendOption, type BackendFieldDispositions } from "../wire/backend-field-disposition.ts"

/**
 * What the gemini backend does with each GenerateOpts field (the chat table says where
 * each OpenAI request field lands). `refused` fields are a 400 naming the client's wire
 * field unless set to their neutral value; the compiler checks every field has a row.
 */
export const geminiFieldDispositions = {
  model: supported("the model in the URL path (geminiGeneratePath)"),
  temperature: supported("generationConfig.temperature"),
  topP: supported("generationConfig.topP"),
  maxTokens: supported("generationConfig.maxOutputTokens"),
  maxCompletionTokens: supported("generationConfig.maxOutputTokens (preferred over max_tokens)"),
  stop: supported("generationConfig.stopSequences"),
  seed: supported("generationConfig.seed"),
  presencePenalty: supported("generationConfig.presencePenalty"),
  frequencyPenalty: supported("generationConfig.frequencyPenalty"),
  n: supported("generationConfig.candidateCount; every candidate mapped by index"),
  reasoningEffort: supported("generationConfig.thinkingConfig.thinkingBudget from the budget per effort (none → 0), with includeThoughts"),
  toolChoice: supported("toolConfig.functionCallingConfig: AUTO, ANY (required), NONE, ANY with allowedFunctionNames (named, allowed_tools)"),
  responseFormat: supported("json_object: responseMimeType application/json; json_schema: that and responseSchema (or responseJsonSchema)"),
  passthrough: supported("top_k only (generationConfig.topK); any other passthrough field is refused naming it"),
  user: ignored("end-user id for the provider's abuse tracking: the Gemini API has no such field"),
  metadata: ignored("OpenAI stores it with the completion; Gemini has no such store"),
  parallelToolCalls: refused("parallel_tool_calls", "Gemini cannot be held to one call per turn", (value) => value === true),
  logprobs: refused("logprobs", "log probabilities are not mapped from Gemini yet", (value) => value === false),
  topLogprobs: refused("top_logprobs", "log probabilities are not mapped from Gemini yet", (value) => value === 0),
  ...facadeOptionRows,
} as const satisfies BackendFieldDispositions

export const geminiPassthroughFields: ReadonlySet<string> = new Set(["top_k"])

/** The first option the gemini backend cannot honour, as the 400 a client gets; undefined when all can be. */
export function refusedGeminiOption(opts: GenerateOpts): GatewayError | undefined {
  return refusedBackendOption("Gemini", geminiFieldDispositions, geminiPassthroughFields, opts)
}
