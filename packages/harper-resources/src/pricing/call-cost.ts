import type { BilledTokens } from "@harper-gateway/models"
import { calcPrice } from "@pydantic/genai-prices"

/** An operator's prices for one logical model, USD per million tokens (embeddings: `inputPerMTok`). */
export interface PriceOverride {
  readonly inputPerMTok: number
  /** Prompt tokens read from cache; the input price when absent. */
  readonly cachedInputPerMTok?: number
  readonly outputPerMTok?: number
  /** Reasoning tokens (counted inside the completion); the output price when absent. */
  readonly reasoningPerMTok?: number
}

/**
 * A call's cost in USD: the operator's override for the logical model, else the
 * genai-prices table (pydantic's maintained price database, shipped in the package: no
 * download at run time) for the upstream model id; null when neither knows the model.
 */
export function callCostUsd(tokens: BilledTokens, upstreamModel: string, override: PriceOverride | undefined, at: Date): number | null {
  if (override !== undefined) {
    const cached = Math.min(tokens.cachedTokens, tokens.promptTokens)
    const reasoning = Math.min(tokens.reasoningTokens, tokens.completionTokens)
    const output = override.outputPerMTok ?? 0
    return (
      ((tokens.promptTokens - cached) * override.inputPerMTok +
        cached * (override.cachedInputPerMTok ?? override.inputPerMTok) +
        (tokens.completionTokens - reasoning) * output +
        reasoning * (override.reasoningPerMTok ?? output)) /
      1_000_000
    )
  }
  // genai-prices counts cache reads inside input_tokens and reasoning inside output_tokens, as OpenAI reports them.
  const usage = { input_tokens: tokens.promptTokens, cache_read_tokens: Math.min(tokens.cachedTokens, tokens.promptTokens), output_tokens: tokens.completionTokens }
  // Matched by model id across providers first; some ids (embeddings) are only found under a provider.
  for (const options of [{ timestamp: at }, { timestamp: at, providerId: "openai" }]) {
    try {
      const price = calcPrice(usage, upstreamModel, options)
      if (price !== null) return price.total_price
    } catch {
      // An id the table cannot match is unpriced, not a failed call.
    }
  }
  return null
}
