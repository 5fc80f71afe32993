import type { BilledTokens } from "@harper-gateway/models"
import { calcPrice, type Provider, type Usage } from "@pydantic/genai-prices"

/** An operator's prices for one logical model, USD per million tokens (embeddings: `inputPerMTok`). */
export interface PriceOverride {
  readonly inputPerMTok: number
  /** Prompt tokens read from cache; the input price when absent. */
  readonly cachedInputPerMTok?: number
  readonly outputPerMTok?: number
  /** Reasoning tokens (counted inside the completion); the output price when absent. */
  readonly reasoningPerMTok?: number
}

/** Prices a call from the genai-prices table: USD, or null when the table does not know the model. */
export type TablePricer = (usage: Usage, upstreamModel: string, at: Date) => number | null

const pricer = createTablePricer(1_000)

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
      ((tokens.promptTokens - cached) * override.inputPerMTok + cached * (override.cachedInputPerMTok ?? override.inputPerMTok) + (tokens.completionTokens - reasoning) * output + reasoning * (override.reasoningPerMTok ?? output)) /
      1_000_000
    )
  }
  // genai-prices counts cache reads and writes inside input_tokens and reasoning inside output_tokens, as OpenAI reports them.
  const cacheRead = Math.min(tokens.cachedTokens, tokens.promptTokens)
  const cacheWrite = Math.min(tokens.cacheWriteTokens, tokens.promptTokens - cacheRead)
  const usage = { input_tokens: tokens.promptTokens, cache_read_tokens: cacheRead, cache_write_tokens: cacheWrite, output_tokens: tokens.completionTokens }
  // The hour-long writes are a part of the writes, priced apart where the table has a price for them.
  const cacheWrite1h = Math.min(tokens.cacheWrite1hTokens, cacheWrite)
  return pricer(cacheWrite1h > 0 ? { ...usage, cache_write_1h_tokens: cacheWrite1h } : usage, upstreamModel, at)
}

/**
 * genai-prices matches a model id against every provider's rules on each call (about 5%
 * of a non-streamed call's CPU). The match of an id never changes, so it is kept: the
 * provider narrowed to the one matched model, which the table then prices as before
 * (dated and tiered prices included), or null for an id it does not know. At most
 * `maxIds` ids are kept; upstream model ids come from the configuration.
 */
export function createTablePricer(maxIds: number): TablePricer {
  const matched = new Map<string, Provider | null>()
  return (usage, upstreamModel, at) => {
    const known = matched.get(upstreamModel)
    if (known === null) return null
    if (known !== undefined) return priceOrNull(usage, upstreamModel, { provider: known, timestamp: at })?.total_price ?? null
    let threw = false
    // Matched by model id across providers first; some ids (embeddings) are only found under a provider.
    for (const options of [{ timestamp: at }, { timestamp: at, providerId: "openai" }]) {
      const price = priceOrNull(usage, upstreamModel, options, () => (threw = true))
      if (price !== null) {
        remember(upstreamModel, { ...price.provider, models: [price.model] })
        return price.total_price
      }
    }
    if (!threw) remember(upstreamModel, null) // a throw may be this call's date, not the id
    return null
  }
  function remember(upstreamModel: string, provider: Provider | null): void {
    if (matched.size >= maxIds) matched.clear()
    matched.set(upstreamModel, provider)
  }
}

function priceOrNull(usage: Usage, upstreamModel: string, options: Parameters<typeof calcPrice>[2], onThrow: () => void = () => undefined): ReturnType<typeof calcPrice> {
  try {
    return calcPrice(usage, upstreamModel, options)
  } catch {
    onThrow()
    return null // an id or date the table cannot price is unpriced, not a failed call
  }
}
