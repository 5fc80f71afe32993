import { calcPrice, findProvider, type Usage } from "@pydantic/genai-prices"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { callCostUsd, createTablePricer } from "./call-cost.ts"

const at = new Date("2025-06-01T00:00:00Z")
const tokens = (promptTokens: number, completionTokens: number, cachedTokens = 0, reasoningTokens = 0, cacheWriteTokens = 0, cacheWrite1hTokens = 0) => ({
  promptTokens,
  completionTokens,
  cachedTokens,
  reasoningTokens,
  cacheWriteTokens,
  cacheWrite1hTokens,
})

describe("callCostUsd", () => {
  it("prices known models from the package's table (gpt-4o-mini: $0.15 in, $0.60 out, $0.075 cached per million)", () => {
    expect(callCostUsd(tokens(1_000_000, 1_000_000), "gpt-4o-mini", undefined, at)).toBeCloseTo(0.75, 9)
    expect(callCostUsd(tokens(1_000_000, 0, 1_000_000), "gpt-4o-mini", undefined, at)).toBeCloseTo(0.075, 9)
    expect(callCostUsd(tokens(1_000_000, 0), "text-embedding-3-small", undefined, at)).toBeCloseTo(0.02, 9)
  })

  it("prices cache writes at the table's cache-write price (claude-sonnet-4-5: $3 in, $3.75 cache write, $0.30 cache read per million)", () => {
    // 100k prompt tokens: 20k read from cache, 60k written to it, 20k neither.
    expect(callCostUsd(tokens(100_000, 0, 20_000, 0, 60_000), "claude-sonnet-4-5", undefined, at)).toBeCloseTo((20_000 * 3 + 60_000 * 3.75 + 20_000 * 0.3) / 1e6, 9)
    // Written for an hour: $6 per million for claude-sonnet-4-5.
    expect(callCostUsd(tokens(100_000, 0, 20_000, 0, 60_000, 60_000), "claude-sonnet-4-5", undefined, at)).toBeCloseTo((20_000 * 3 + 60_000 * 6 + 20_000 * 0.3) / 1e6, 9)
    expect(callCostUsd(tokens(100_000, 0, 20_000, 0, 60_000, 10_000), "claude-sonnet-4-5", undefined, at)).toBeCloseTo((20_000 * 3 + 50_000 * 3.75 + 10_000 * 6 + 20_000 * 0.3) / 1e6, 9)
    // A model whose table has no hour-long price is still priced.
    expect(callCostUsd(tokens(100, 10, 0, 0, 50, 50), "gpt-4o-mini", undefined, at)).not.toBeNull()
    // More writes and reads than the prompt (a sloppy upstream) are cut to it, never a failed price.
    expect(callCostUsd(tokens(100, 0, 80, 0, 500), "claude-sonnet-4-5", undefined, at)).toBeCloseTo((20 * 3.75 + 80 * 0.3) / 1e6, 12)
  })

  it("is null for a model nobody priced", () => {
    expect(callCostUsd(tokens(10, 10), "echo-of-nothing-0", undefined, at)).toBeNull()
  })

  it("uses the operator's override, with cached and reasoning prices defaulting to input and output", () => {
    const override = { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8, reasoningPerMTok: 10 }
    expect(callCostUsd(tokens(1_000_000, 1_000_000, 400_000, 250_000), "gpt-4o-mini", override, at)).toBeCloseTo((600_000 * 2 + 400_000 * 0.5 + 750_000 * 8 + 250_000 * 10) / 1e6, 9)
    expect(callCostUsd(tokens(1_000, 1_000, 1_000, 1_000), "x", { inputPerMTok: 1, outputPerMTok: 3 }, at)).toBeCloseTo(0.004, 12)
  })
})

describe("createTablePricer", () => {
  // The table's own ids, dated and undated variants, case and spacing the matcher forgives, and ids nobody priced.
  const tableIds = ["openai", "anthropic", "google", "mistral", "groq", "deepseek", "x-ai", "aws"].flatMap((providerId) => findProvider({ providerId })?.models.map((model) => model.id) ?? [])
  const ids = fc.oneof(
    fc.constantFrom(...tableIds),
    fc.constantFrom(...tableIds).map((id) => `${id}-2025-01-31`),
    fc.constantFrom(...tableIds).map((id) => ` ${id.toUpperCase()} `),
    fc.constantFrom("text-embedding-3-small", "gpt-4o-mini-2024-07-18", "echo-of-nothing-0", "", "gpt-4o-20240806"),
    fc.string({ maxLength: 12 }),
  )
  const usages = fc.record({ input_tokens: fc.nat(3_000_000), cache_read_tokens: fc.nat(1_000), output_tokens: fc.nat(300_000) })
  const dates = fc.date({ min: new Date("2022-01-01T00:00:00Z"), max: new Date("2027-12-31T23:59:59Z"), noInvalidDate: true })

  /** What callCostUsd did before it kept matches: both lookups, every call. */
  const uncached = (usage: Usage, id: string, at: Date): number | null => {
    for (const options of [{ timestamp: at }, { timestamp: at, providerId: "openai" }]) {
      try {
        const price = calcPrice(usage, id, options)
        if (price !== null) return price.total_price
      } catch {
        // unpriced
      }
    }
    return null
  }

  it("has ids to draw from (the table's providers are found)", () => {
    expect(tableIds.length).toBeGreaterThan(100)
  })

  it("prices every call as the table does uncached, for the first call of an id and for later ones", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(ids, usages, dates), { minLength: 1, maxLength: 30 }), (calls) => {
        const pricer = createTablePricer(8)
        for (const [id, usage, at] of calls) {
          expect(pricer(usage, id, at)).toBe(uncached(usage, id, at))
          expect(pricer(usage, id, at)).toBe(uncached(usage, id, at))
        }
      }),
      { numRuns: 200 },
    )
  })
})
