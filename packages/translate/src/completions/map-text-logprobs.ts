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

/** TextLogprobs as the gateway sends them: the spec's four lists, those the upstream gave. */
export function textLogprobsToOpenAI(logprobs: TextLogprobs): TextLogprobsOut {
  return {
    ...(logprobs.tokens === undefined ? {} : { tokens: logprobs.tokens }),
    ...(logprobs.tokenLogprobs === undefined ? {} : { token_logprobs: logprobs.tokenLogprobs }),
    ...(logprobs.topLogprobs === undefined ? {} : { top_logprobs: logprobs.topLogprobs }),
    ...(logprobs.textOffset === undefined ? {} : { text_offset: logprobs.textOffset }),
  }
}
