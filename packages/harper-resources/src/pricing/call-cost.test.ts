import { describe, expect, it } from "vitest"
import { callCostUsd } from "./call-cost.ts"

const at = new Date("2025-06-01T00:00:00Z")
const tokens = (promptTokens: number, completionTokens: number, cachedTokens = 0, reasoningTokens = 0) => ({ promptTokens, completionTokens, cachedTokens, reasoningTokens })

describe("callCostUsd", () => {
  it("prices known models from the package's table (gpt-4o-mini: $0.15 in, $0.60 out, $0.075 cached per million)", () => {
    expect(callCostUsd(tokens(1_000_000, 1_000_000), "gpt-4o-mini", undefined, at)).toBeCloseTo(0.75, 9)
    expect(callCostUsd(tokens(1_000_000, 0, 1_000_000), "gpt-4o-mini", undefined, at)).toBeCloseTo(0.075, 9)
    expect(callCostUsd(tokens(1_000_000, 0), "text-embedding-3-small", undefined, at)).toBeCloseTo(0.02, 9)
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
