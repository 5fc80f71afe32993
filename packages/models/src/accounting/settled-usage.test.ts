import { describe, expect, it } from "vitest"
import { settledEmbedUsage, settledUsage } from "./settled-usage.ts"

const estimate = { prompt: () => 7, completion: () => 11 }

describe("settled usage", () => {
  it("keeps reported counts as they are, not estimated", () => {
    const reported = { promptTokens: 3, completionTokens: 4, totalTokens: 9, reasoningTokens: 2 }
    expect(settledUsage(reported, estimate)).toEqual({ usage: reported, estimated: false })
  })

  it("estimates each missing count, keeps the other, and flags the usage", () => {
    expect(settledUsage(undefined, estimate)).toEqual({ usage: { promptTokens: 7, completionTokens: 11, totalTokens: 18 }, estimated: true })
    expect(settledUsage({ promptTokens: 40, cachedTokens: 8 }, estimate)).toEqual({ usage: { promptTokens: 40, cachedTokens: 8, completionTokens: 11, totalTokens: 51 }, estimated: true })
    expect(settledUsage({ completionTokens: 2, totalTokens: 999 }, estimate)).toEqual({ usage: { promptTokens: 7, completionTokens: 2, totalTokens: 9 }, estimated: true })
  })

  it("estimates an embedding call's input when neither input count came", () => {
    expect(settledEmbedUsage({ embeddingTokens: 5 }, () => 3)).toEqual({ usage: { embeddingTokens: 5 }, estimated: false })
    expect(settledEmbedUsage(undefined, () => 3)).toEqual({ usage: { promptTokens: 3, embeddingTokens: 3, totalTokens: 3 }, estimated: true })
  })

  it("clamps a total of two trusted counts past the Int column to 2,147,483,647 and flags it estimated, so the row is stored", () => {
    expect(settledUsage({ promptTokens: 2e9, completionTokens: 2e9 }, estimate)).toEqual({ usage: { promptTokens: 2e9, completionTokens: 2e9, totalTokens: 2_147_483_647 }, estimated: true })
    expect(settledUsage({ promptTokens: 2e9 }, { prompt: () => 0, completion: () => 2e9 })).toEqual({ usage: { promptTokens: 2e9, completionTokens: 2e9, totalTokens: 2_147_483_647 }, estimated: true })
    expect(settledUsage({ promptTokens: 3, completionTokens: 4 }, estimate)).toEqual({ usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 }, estimated: false })
  })
})
