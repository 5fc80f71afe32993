import { describe, expect, it } from "vitest"
import type { FinishReason } from "../model/types.ts"
import { textFinishReasonToOpenAI } from "./map-text-finish-reason.ts"

describe("textFinishReasonToOpenAI", () => {
  it("sends only CreateCompletionResponse's three finish reasons", () => {
    const all: readonly FinishReason[] = ["stop", "length", "tool_calls", "content_filter", "other"]
    expect(all.map(textFinishReasonToOpenAI)).toEqual(["stop", "length", "stop", "content_filter", "stop"])
  })
})
