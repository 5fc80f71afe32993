/**
 * Every field of OpenAI's CreateCompletionRequest (legacy `/v1/completions`), with what
 * the gateway does with it (the kinds of wire/field-disposition.ts). Only
 * OpenAI-compatible upstreams serve text completions, so every official field is
 * type-checked and forwarded under its own name: none is dropped, none is rewritten
 * except `stream_options` (the gateway always asks a stream for its usage). Keys that
 * are not OpenAI fields are provider extensions (vLLM's `top_k`, llama.cpp's
 * `n_probs`, …): forwarded only to models whose config lists them in `extraFields`,
 * a 400 naming the field otherwise. A test checks this table against the official spec.
 */
import { supported, type FieldDisposition } from "../wire/field-disposition.ts"

const forwarded = (what: string) => supported(`${what}; forwarded as sent`)

export const completionRequestFieldDispositions = {
  model: supported("routed to a configured logical model or a backend's advertised model; its upstream id is sent"),
  prompt: forwarded("a string, strings, a token array or token arrays (null: the upstream's default)"),
  suffix: forwarded("fill-in-the-middle: the text after the insertion"),
  echo: forwarded("the prompt is returned before the completion"),
  logprobs: forwarded("0 to 5; choices[].logprobs (tokens, token_logprobs, top_logprobs, text_offset) mapped back, streamed and not"),
  best_of: forwarded("candidates generated upstream (counted with n for the admission estimate)"),
  n: forwarded("choices per prompt, every choice mapped back by index"),
  max_tokens: forwarded("the admission estimate uses OpenAI's default of 16 when absent"),
  stream: supported("server-sent events of text_completion chunks, decided by this field only"),
  stream_options: supported("include_usage adds the usage chunk; the upstream is always asked for usage so a stream is accounted"),
  temperature: forwarded("0 to 2"),
  top_p: forwarded("0 to 1"),
  stop: forwarded("a string or 1 to 4 strings"),
  presence_penalty: forwarded("-2 to 2"),
  frequency_penalty: forwarded("-2 to 2"),
  seed: forwarded("an integer"),
  logit_bias: forwarded("token ids are the upstream's own"),
  user: forwarded("end-user id"),
} as const satisfies Record<string, FieldDisposition>

export type CompletionRequestFieldName = keyof typeof completionRequestFieldDispositions

const dispositionsByField: ReadonlyMap<string, FieldDisposition> = new Map(Object.entries(completionRequestFieldDispositions))

export function completionFieldDisposition(field: string): FieldDisposition | undefined {
  return dispositionsByField.get(field)
}
