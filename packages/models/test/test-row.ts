import { NO_FACTS, type ModelCallRecord } from "../src/accounting/model-call-record.ts"

/** A complete accounting row for tests, with the given id and overrides. */
export function testRow(id: string, overrides: Partial<ModelCallRecord> = {}): ModelCallRecord {
  return {
    id,
    time: 1,
    tenant: "t",
    user: "u",
    endpoint: "chat.completions",
    logicalModel: "m",
    backend: "echo",
    upstreamModel: "m",
    stream: false,
    promptTokens: 1,
    completionTokens: 1,
    totalTokens: 2,
    cachedTokens: null,
    reasoningTokens: null,
    tokensEstimated: false,
    latencyMs: 1,
    ttftMs: 1,
    outcome: "success",
    errorCode: null,
    status: 200,
    app: null,
    model: "m",
    method: "generate",
    prompt_tokens: 1,
    completion_tokens: 1,
    embedding_tokens: null,
    latency_ms: 1,
    success: true,
    error_code: null,
    ...NO_FACTS,
    ...overrides,
  }
}
