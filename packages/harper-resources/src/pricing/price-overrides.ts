import type { ModelsConfig } from "@harper-gateway/models"
import type { PriceOverride } from "./call-cost.ts"

/** The configured `price` of each logical model (generative and embedding), by name. */
export function priceOverrides(models: ModelsConfig | undefined): ReadonlyMap<string, PriceOverride> {
  const prices = new Map<string, PriceOverride>()
  for (const kind of [models?.generative, models?.embedding]) {
    for (const [name, entry] of Object.entries(kind ?? {})) if (entry.price !== undefined) prices.set(name, entry.price)
  }
  return prices
}
