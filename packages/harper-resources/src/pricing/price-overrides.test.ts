import { describe, expect, it } from "vitest"
import { priceOverrides } from "./price-overrides.ts"

describe("priceOverrides", () => {
  it("collects the price of every generative and embedding model that sets one", () => {
    // The shape of config.yaml's `models:` block (model-config.ts, README's configuration section).
    const prices = priceOverrides({
      generative: {
        default: { backend: "openai", model: "gpt-4o-mini", price: { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
        unpriced: { backend: "openai", model: "gpt-4o" },
      },
      embedding: { embed: { backend: "openai", model: "text-embedding-3-small", price: { inputPerMTok: 0.02 } } },
    })
    expect([...prices.keys()].sort()).toEqual(["default", "embed"])
    expect(prices.get("embed")).toEqual({ inputPerMTok: 0.02 })
  })

  it("is empty without models", () => {
    expect(priceOverrides(undefined).size).toBe(0)
  })
})
