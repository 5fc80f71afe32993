import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateOpts } from "../model/types.ts"

/**
 * What the gemini backend does with each GenerateOpts field (the chat table says where
 * each OpenAI request field lands). `refused` fields are a 400 naming the client's wire
 * field unless set to their neutral value; the compiler checks every field has a row.
 */
export type GeminiFieldDisposition =
  | { readonly kind: "supported"; readonly note: string }
  | { readonly kind: "ignored"; readonly note: string }
  | { readonly kind: "refused"; readonly param: string; readonly note: string; readonly neutral: (value: unknown) => boolean }
  | { readonly kind: "facade"; readonly note: string }

const supported = (note: string): GeminiFieldDisposition => ({ kind: "supported", note })
const ignored = (note: string): GeminiFieldDisposition => ({ kind: "ignored", note })
const facade = (note: string): GeminiFieldDisposition => ({ kind: "facade", note })
const refused = (param: string, note: string, neutral: (value: unknown) => boolean = () => false): GeminiFieldDisposition => ({ kind: "refused", param, note, neutral })

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
  signal: facade("cancellation, used by the backend's transport"),
  requires: facade("Harper 5 facade option, read by routing"),
  adapter: facade("Harper 5 facade option, read by routing"),
  toolMode: facade("Harper 5 facade option, read by the facade"),
  conversationId: facade("Harper 5 facade option, read by the facade"),
} as const satisfies Record<keyof GenerateOpts, GeminiFieldDisposition>

export const geminiPassthroughFields: ReadonlySet<string> = new Set(["top_k"])

/** The first option the gemini backend cannot honour, as the 400 a client gets; undefined when all can be. */
export function refusedGeminiOption(opts: GenerateOpts): GatewayError | undefined {
  for (const [field, disposition] of Object.entries(geminiFieldDispositions)) {
    if (disposition.kind !== "refused") continue
    const value: unknown = Object.entries(opts).find(([key]) => key === field)?.[1]
    if (value === undefined || value === null || disposition.neutral(value)) continue
    return { _tag: "InvalidRequest", message: `The Gemini backend does not support '${disposition.param}': ${disposition.note}.`, param: disposition.param, code: "unsupported_parameter" }
  }
  for (const key of Object.keys(opts.passthrough ?? {})) {
    if (!geminiPassthroughFields.has(key)) return { _tag: "InvalidRequest", message: `The Gemini backend does not support '${key}'.`, param: key, code: "unsupported_parameter" }
  }
  return undefined
}
