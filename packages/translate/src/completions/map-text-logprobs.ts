import type { TextLogprobs } from "../model/types.ts"
import type { TextLogprobsOut, TextLogprobsWire } from "../wire/completions.ts"

/** An upstream's `choices[].logprobs` to TextLogprobs; a list it sent as null (or not at all) stays absent. */
export function textLogprobsFromOpenAI(wire: TextLogprobsWire): TextLogprobs {
  return {
    ...(wire.tokens == null ? {} : { tokens: wire.tokens }),
    ...(wire.token_logprobs == null ? {} : { tokenLogprobs: wire.token_logprobs }),
    ...(wire.top_logprobs == null ? {} : { topLogprobs: wire.top_logprobs }),
    ...(wire.text_offset == null ? {} : { textOffset: wire.text_offset }),
  }
}

/**
 * TextLogprobs as the gateway sends them: the spec's four lists, those the upstream gave,
 * spec-valid. The spec has no null in them, but OpenAI (and vLLM) send one for an echoed
 * prompt's first token, which has no logprob: that position is left out of all four lists
 * (the others keep their `text_offset`, so they still point into the text), and a position
 * without alternatives gets `{}`.
 */
export function textLogprobsToOpenAI(logprobs: TextLogprobs): TextLogprobsOut {
  const kept = (position: number) => logprobs.tokenLogprobs?.[position] !== null
  const tokenLogprobs = logprobs.tokenLogprobs?.filter((logprob) => logprob !== null)
  return {
    ...(logprobs.tokens === undefined ? {} : { tokens: logprobs.tokens.filter((_token, position) => kept(position)) }),
    ...(tokenLogprobs === undefined ? {} : { token_logprobs: tokenLogprobs }),
    ...(logprobs.topLogprobs === undefined ? {} : { top_logprobs: logprobs.topLogprobs.filter((_top, position) => kept(position)).map((top) => top ?? {}) }),
    ...(logprobs.textOffset === undefined ? {} : { text_offset: logprobs.textOffset.filter((_offset, position) => kept(position)) }),
  }
}
