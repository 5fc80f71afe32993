import type { ChatCall, CompletionCall, EmbedCall, ResponsesWire, ToolDef } from "@harper-gateway/translate"
import { countTokens } from "gpt-tokenizer"

/** OpenAI's per-message framing (role and separators), as in its cookbook's counting recipe. */
const PER_MESSAGE = 4
/** An attached image or file counts as a low-detail image; its base64 bytes are not text. */
const PER_ATTACHMENT = 85
/**
 * How much of one call's text goes through the tokenizer, in slices of at most
 * SLICE_CHARS: BPE is quadratic on long runs without separators (200,000 'x' took 39 s),
 * so a client must not be able to hold a worker with one large prompt. Past the
 * budget, text counts as OpenAI's rule of thumb has it: about 4 characters a token.
 */
const TOKENIZED_CHARS = 32_768
const SLICE_CHARS = 512
const CHARS_PER_TOKEN = 4

/** Counts tokens with the tokenizer while the call's character budget lasts, then by length. */
function boundedCounter(): (text: string) => number {
  let budget = TOKENIZED_CHARS
  return (text) => {
    if (budget <= 0) return Math.ceil(text.length / CHARS_PER_TOKEN)
    const tokenized = text.slice(0, budget)
    budget -= tokenized.length
    let count = 0
    for (let offset = 0; offset < tokenized.length; offset += SLICE_CHARS) count += countTokens(tokenized.slice(offset, offset + SLICE_CHARS))
    return count + Math.ceil((text.length - tokenized.length) / CHARS_PER_TOKEN)
  }
}

/**
 * The tokens a chat call may use, before it runs: the prompt counted with a real
 * tokenizer (o200k_base, shipped in gpt-tokenizer) plus the completion it may ask for
 * (`max_completion_tokens`, `max_tokens`, else `defaultCompletionTokens`, times `n`). Settled after
 * the call with the reported usage. `interruptedCompletion` is what a call cut by a crash is
 * billed for its completion: the same, capped at `defaultCompletionTokens` a choice.
 */
export function estimateChatTokens(call: ChatCall, defaultCompletionTokens: number): { readonly prompt: number; readonly completion: number; readonly interruptedCompletion: number } {
  const count = boundedCounter()
  const prompt = call.input.messages.reduce((sum, message) => sum + PER_MESSAGE + textTokens(message, count), 0) + (call.input.tools === undefined ? 0 : textTokens(call.input.tools, count))
  const choices = call.opts.n ?? 1
  const asked = call.opts.maxCompletionTokens ?? call.opts.maxTokens ?? defaultCompletionTokens
  // Each of the n choices may use the whole completion: n=128 asks for 128 of them.
  const completion = choices * asked
  // A call cut by a crash is billed what it likely used, never more than the default per choice:
  // max_tokens is any integer the client likes, and would make the row a fortune (or unstorable).
  return { prompt, completion, interruptedCompletion: choices * Math.min(asked, defaultCompletionTokens) }
}

/** OpenAI's documented default `max_tokens` for `/v1/completions` (CreateCompletionRequest). */
const TEXT_COMPLETION_DEFAULT_MAX_TOKENS = 16

/**
 * The tokens a text completion may use, before it runs: every prompt (a string counted
 * with the tokenizer, a token array by its length, no prompt as the one `<|endoftext|>`
 * token) and the suffix; the completion is `max_tokens` (OpenAI's default 16 when
 * absent) for each of the `max(n, best_of)` choices generated per prompt. A call cut by
 * a crash is billed as estimateChatTokens bills one: at most `defaultCompletionTokens` a choice.
 */
export function estimateCompletionTokens(call: CompletionCall, defaultCompletionTokens: number): { readonly prompt: number; readonly completion: number; readonly interruptedCompletion: number } {
  const count = boundedCounter()
  const prompts = promptList(call.fields.prompt)
  const prompt = prompts.reduce((sum: number, item) => sum + (typeof item === "string" ? count(item) : item.length), 0) + (call.fields.suffix == null ? 0 : count(call.fields.suffix))
  const choices = prompts.length * Math.max(call.fields.n ?? 1, call.fields.best_of ?? 1)
  const asked = call.fields.max_tokens ?? TEXT_COMPLETION_DEFAULT_MAX_TOKENS
  return { prompt, completion: choices * asked, interruptedCompletion: choices * Math.min(asked, defaultCompletionTokens) }
}

/** The prompts one by one: a flat array of numbers is one tokenised prompt; none is the document separator (one token). */
function promptList(prompt: CompletionCall["fields"]["prompt"]): readonly (string | readonly number[])[] {
  if (prompt === null) return [[0]]
  if (typeof prompt === "string") return [prompt]
  if (prompt.length === 0) return []
  const [first] = prompt
  if (typeof first === "number") return [prompt.filter((token) => typeof token === "number")]
  return prompt.filter((item) => typeof item !== "number")
}

/**
 * Counts a call's output for its completion estimate when the upstream reported no
 * usage. `add` only keeps the first TOKENIZED_CHARS characters and counts the rest's
 * length (cheap on a stream's hot path); `tokens` tokenizes that sample once and scales
 * it to the whole length, so a long stream costs one bounded tokenization.
 */
export function outputTokenCounter(): { add(text: string): void; tokens(): number } {
  let chars = 0
  let sample = ""
  return {
    add(text) {
      chars += text.length
      if (sample.length < TOKENIZED_CHARS) sample += text.slice(0, TOKENIZED_CHARS - sample.length)
    },
    tokens() {
      if (sample.length === 0) return 0
      const counted = boundedCounter()(sample)
      return chars === sample.length ? counted : Math.ceil((counted * chars) / sample.length)
    },
  }
}

/**
 * Counts a Responses conversation for `truncation: "auto"` as estimateChatTokens counts
 * the chat call it becomes: each item as a message (its strings, ids and type names
 * included, a slight overcount that errs towards dropping), instructions as a system
 * message, tools by their strings. One character budget for the whole request, so a
 * long stored history costs one bounded tokenization.
 */
export function responsesTokenCounter(): {
  readonly item: (item: ResponsesWire.ResponseItem) => number
  readonly fixed: (sent: { readonly instructions: string | undefined; readonly tools: readonly ToolDef[] }) => number
} {
  const count = boundedCounter()
  return {
    item: (item) => PER_MESSAGE + textTokens(item, count),
    fixed: ({ instructions, tools }) => (instructions === undefined ? 0 : PER_MESSAGE + textTokens({ role: "system", content: instructions }, count)) + textTokens(tools, count),
  }
}

export function estimateEmbedTokens(call: EmbedCall): number {
  const count = boundedCounter()
  const input = call.input
  if (typeof input === "string") return count(input)
  let sum = 0
  for (const item of input) sum += typeof item === "string" ? count(item) : typeof item === "number" ? 1 : item.length
  return sum
}

/** Tokens of every string inside a value (message parts, tool calls, schemas), a data URL counted as an attachment. */
function textTokens(value: unknown, count: (text: string) => number): number {
  if (typeof value === "string") return value.startsWith("data:") ? PER_ATTACHMENT : count(value)
  if (Array.isArray(value)) return value.reduce((sum: number, item: unknown) => sum + textTokens(item, count), 0)
  if (typeof value === "object" && value !== null) return Object.values(value).reduce((sum: number, item: unknown) => sum + textTokens(item, count), 0)
  return 0
}
