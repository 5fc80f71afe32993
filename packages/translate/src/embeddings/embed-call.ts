import type { EmbedInput, EmbedOpts } from "../model/types.ts"

/** A validated embeddings request. */
export interface EmbedCall {
  readonly input: EmbedInput
  readonly opts: EmbedOpts & { readonly model: string }
  readonly encodingFormat: "float" | "base64"
}

/** How many vectors the request asks for. */
export function embedInputCount(input: EmbedInput): number {
  return embedInputList(input).length
}

/** The request's inputs one by one: a flat array of numbers is one tokenised input; an array of strings or arrays is many. */
export function embedInputList(input: EmbedInput): readonly (string | readonly number[])[] {
  if (typeof input === "string") return [input]
  if (isTokenArray(input)) return [input]
  return input
}

function isTokenArray(input: readonly string[] | readonly number[] | readonly (readonly number[])[]): input is readonly number[] {
  return input.length > 0 && typeof input[0] === "number"
}
