import type { EmbedInput, EmbedOpts } from "../model/types.ts"

/** A validated embeddings request. */
export interface EmbedCall {
  readonly input: EmbedInput
  readonly opts: EmbedOpts & { readonly model: string }
  readonly encodingFormat: "float" | "base64"
}

/** How many vectors the request asks for. */
export function embedInputCount(input: EmbedInput): number {
  if (typeof input === "string") return 1
  // A flat array of numbers is one tokenised input; an array of strings or arrays is many.
  return input.length > 0 && typeof input[0] === "number" ? 1 : input.length
}
