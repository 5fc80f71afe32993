import type { Logprobs, TokenLogprob } from "../model/types.ts"
import type { ChoiceLogprobs, TokenLogprob as WireTokenLogprob } from "../wire/chat-completion.ts"
import type { LogprobsOut, TokenLogprobOut } from "../wire/chat-completion-out.ts"

export function logprobsFromOpenAI(logprobs: ChoiceLogprobs): Logprobs {
  return { content: tokensFrom(logprobs.content), refusal: tokensFrom(logprobs.refusal) }
}

export function logprobsToOpenAI(logprobs: Logprobs): LogprobsOut {
  return { content: tokensTo(logprobs.content), refusal: tokensTo(logprobs.refusal) }
}

/** Two pieces of one choice's logprobs, in order (stream chunks each carry the tokens they streamed). */
export function concatLogprobs(first: Logprobs | undefined, next: Logprobs): Logprobs {
  if (first === undefined) return next
  return { content: concat(first.content, next.content), refusal: concat(first.refusal, next.refusal) }
}

function concat(a: readonly TokenLogprob[] | null, b: readonly TokenLogprob[] | null): readonly TokenLogprob[] | null {
  if (a === null) return b
  if (b === null) return a
  return [...a, ...b]
}

function tokensFrom(tokens: readonly WireTokenLogprob[] | null | undefined): readonly TokenLogprob[] | null {
  if (tokens == null) return null
  return tokens.map((token) => ({
    token: token.token,
    logprob: token.logprob,
    bytes: token.bytes ?? null,
    topLogprobs: (token.top_logprobs ?? []).map((top) => ({ token: top.token, logprob: top.logprob, bytes: top.bytes ?? null })),
  }))
}

function tokensTo(tokens: readonly TokenLogprob[] | null): readonly TokenLogprobOut[] | null {
  if (tokens === null) return null
  return tokens.map((token) => ({
    token: token.token,
    logprob: token.logprob,
    bytes: token.bytes,
    top_logprobs: token.topLogprobs.map((top) => ({ token: top.token, logprob: top.logprob, bytes: top.bytes })),
  }))
}
