import { readFileSync } from "node:fs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MAX_TOKEN_COUNT } from "../model/token-count.ts"
import { successOf } from "../../test/provider-stream.ts"
import { fromMessagesResponse } from "./from-messages-response.ts"
import { usageFromAnthropic } from "./map-usage.ts"

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/anthropic/${name}`, import.meta.url), "utf8"))

describe("usageFromAnthropic: output_tokens_details.thinking_tokens", () => {
  it("reads thinking_tokens as the reasoning tokens, inside the completion count (documented fixture)", () => {
    const usage = successOf(fromMessagesResponse(fixture("usage-thinking-tokens.json"))).usage
    expect(usage).toMatchObject({ promptTokens: 20, completionTokens: 60, totalTokens: 80, reasoningTokens: 45 })
    expect(usage?.untrusted).toBeUndefined()
  })

  it("a thinking_tokens that is no count is untrusted, never a number, and the other counts stand", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(-1), fc.constant(1.5), fc.constant(MAX_TOKEN_COUNT + 1), fc.string(), fc.constant(Number.NaN), fc.constant({})), (bad) => {
        const usage = usageFromAnthropic({ input_tokens: 5, output_tokens: 9, output_tokens_details: { thinking_tokens: bad } })
        expect(usage.reasoningTokens).toBeUndefined()
        expect(usage.untrusted).toEqual(["reasoningTokens"])
        expect(usage).toMatchObject({ promptTokens: 5, completionTokens: 9, totalTokens: 14 })
      }),
    )
  })

  it("an odd output_tokens_details (null, a number, a list) is no reasoning count and fails nothing", () => {
    for (const details of [null, 7, [1], "x"]) {
      const usage = usageFromAnthropic({ input_tokens: 5, output_tokens: 9, output_tokens_details: details })
      expect(usage.reasoningTokens).toBeUndefined()
      expect(usage.completionTokens).toBe(9)
    }
  })
})
