import { describe, expect, it } from "vitest"
import { harper5Columns } from "./harper5-columns.ts"
import { fromJournalLine } from "./model-call-record.ts"
import { testRow } from "../../test/test-row.ts"

describe("Harper 5's columns", () => {
  it("use Harper 5's error codes, keeping the client-facing code in errorCode", () => {
    const code = (overrides: Parameters<typeof testRow>[1]) => harper5Columns(testRow("x", overrides), "m").error_code
    expect(code({ outcome: "success" })).toBe(null)
    expect(code({ outcome: "aborted", errorCode: "client_closed_request" })).toBe("aborted")
    expect(code({ outcome: "error", errorCode: "rate_limit_exceeded" })).toBe("backend_error")
    expect(code({ outcome: "rejected", errorCode: "model_not_found" })).toBe("backend_not_found")
    expect(code({ outcome: "rejected", errorCode: "invalid_value" })).toBe("invalid_request")
    expect(code({ outcome: "interrupted", status: null, latencyMs: null })).toBe("interrupted")
  })

  it("carry tokens only as the backend reported them, embeddings in embedding_tokens", () => {
    const estimated = harper5Columns(testRow("x", { stream: true, promptTokens: null, completionTokens: 7, tokensEstimated: true, outcome: "aborted" }), "m")
    expect([estimated.method, estimated.prompt_tokens, estimated.completion_tokens]).toEqual(["generateStream", null, null])
    const embed = harper5Columns(testRow("x", { endpoint: "embeddings", promptTokens: 12, completionTokens: null }), "emb")
    expect([embed.method, embed.prompt_tokens, embed.completion_tokens, embed.embedding_tokens, embed.model]).toEqual(["embed", null, null, 12, "emb"])
  })

  it("are derived for journal lines written before they existed; anything else is refused", () => {
    const { app, model, method, prompt_tokens, completion_tokens, embedding_tokens, latency_ms, success, error_code, ...legacy } = testRow("old", { latencyMs: 3.5 })
    void [app, model, method, prompt_tokens, completion_tokens, embedding_tokens, latency_ms, success, error_code]
    expect(fromJournalLine(legacy)).toMatchObject({ id: "old", model: "m", method: "generate", prompt_tokens: 1, latency_ms: 3.5, success: true, error_code: null, app: null })
    expect(fromJournalLine({ ...legacy, outcome: "exploded" })).toBeUndefined()
  })
})
