import { describe, expect, it } from "vitest"
import { toOpenAIError } from "@harper-gateway/translate"
import { chainRefusal, historyTooLarge } from "./history-refusal.ts"

const bounds = { maxDepth: 1_000, maxBytes: 8_388_608 }

describe("history refusals", () => {
  it("answers a missing or foreign previous response as OpenAI does: 404 previous_response_not_found", () => {
    expect(toOpenAIError(chainRefusal({ kind: "missing" }, "resp_1", bounds))).toMatchObject({
      status: 404,
      body: { error: { param: "previous_response_id", code: "previous_response_not_found", message: "Previous response with id 'resp_1' not found." } },
    })
  })

  it("answers a chain at its depth with a 400 naming previous_response_id and the limit, never a 404", () => {
    const answer = toOpenAIError(chainRefusal({ kind: "too_deep" }, "resp_1", bounds))
    expect(answer).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", param: "previous_response_id", code: "conversation_too_deep" } } })
    expect(answer.body.error.message).toContain("1000 responses")
    expect(answer.body.error.message).toContain("responses.maxChainDepth")
  })

  it("answers a history over the byte bound with a 400 naming the parameter, the limit, and that truncation cannot shorten it", () => {
    for (const answer of [toOpenAIError(chainRefusal({ kind: "too_large" }, "resp_1", bounds)), toOpenAIError(historyTooLarge(bounds.maxBytes, "previous_response_id"))]) {
      expect(answer).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", param: "previous_response_id", code: "context_length_exceeded" } } })
      expect(answer.body.error.message).toContain("8388608 bytes")
      expect(answer.body.error.message).toContain("responses.maxHistoryBytes")
      expect(answer.body.error.message).toContain("truncation")
    }
    expect(toOpenAIError(historyTooLarge(10, "input"))).toMatchObject({ status: 400, body: { error: { param: "input" } } })
  })
})
