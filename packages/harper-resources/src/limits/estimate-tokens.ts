import type { ChatCall, EmbedCall } from "@harper-gateway/translate"
import { countTokens } from "gpt-tokenizer"

/** OpenAI's per-message framing (role and separators), as in its cookbook's counting recipe. */
const PER_MESSAGE = 4
/** An attached image or file counts as a low-detail image; its base64 bytes are not text. */
const PER_ATTACHMENT = 85

/**
 * The tokens a chat call may use, before it runs: the prompt counted with a real
 * tokenizer (o200k_base, shipped in gpt-tokenizer) plus the completion it may ask for
 * (`max_completion_tokens`, `max_tokens`, else `defaultCompletionTokens`). Settled after
 * the call with the reported usage.
 */
export function estimateChatTokens(call: ChatCall, defaultCompletionTokens: number): { readonly prompt: number; readonly completion: number } {
  const prompt = call.input.messages.reduce((sum, message) => sum + PER_MESSAGE + textTokens(message), 0) + (call.input.tools === undefined ? 0 : textTokens(call.input.tools))
  const completion = call.opts.maxCompletionTokens ?? call.opts.maxTokens ?? defaultCompletionTokens
  return { prompt, completion }
}

export function estimateEmbedTokens(call: EmbedCall): number {
  const input = call.input
  if (typeof input === "string") return countTokens(input)
  let sum = 0
  for (const item of input) sum += typeof item === "string" ? countTokens(item) : typeof item === "number" ? 1 : item.length
  return sum
}

/** Tokens of every string inside a value (message parts, tool calls, schemas), a data URL counted as an attachment. */
function textTokens(value: unknown): number {
  if (typeof value === "string") return value.startsWith("data:") ? PER_ATTACHMENT : countTokens(value)
  if (Array.isArray(value)) return value.reduce((sum: number, item: unknown) => sum + textTokens(item), 0)
  if (typeof value === "object" && value !== null) return Object.values(value).reduce((sum: number, item: unknown) => sum + textTokens(item), 0)
  return 0
}
