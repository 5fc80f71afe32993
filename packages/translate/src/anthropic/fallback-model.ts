import { Schema } from "effect"
import { FallbackBlockIn } from "./wire.ts"

const isFallback = Schema.is(FallbackBlockIn)

/**
 * The model that produced what follows a `fallback` content block (the provider substituted
 * it for the one asked), or undefined when the block is not one or names no model. The
 * answer's model is the last such block's: the block itself stays an unknown part.
 */
export function fallbackModel(block: Readonly<Record<string, unknown>>): string | undefined {
  return isFallback(block) && block.to.model !== "" ? block.to.model : undefined
}
