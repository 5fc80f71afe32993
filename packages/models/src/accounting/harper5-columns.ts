import type { CallRecordBase, Harper5Columns } from "./model-call-record.ts"

/**
 * Harper 5's columns for a row, so queries written for Harper 5 run unchanged:
 * `model` is the name the caller asked for, `method` the models-API method, token
 * counts only as the backend reported them (never the gateway's estimate), and
 * `error_code` in Harper 5's vocabulary (`aborted`, `backend_not_found`,
 * `backend_error`) plus `interrupted` and `invalid_request`; the client-facing code
 * stays in `errorCode`.
 */
export function harper5Columns(row: CallRecordBase, requestedModel: string | null): Harper5Columns {
  const method = methodOf(row.endpoint, row.stream)
  const reported = (count: number | null) => (row.tokensEstimated ? null : count)
  return {
    app: null,
    model: requestedModel,
    method,
    prompt_tokens: method === "embed" ? null : reported(row.promptTokens),
    completion_tokens: method === "embed" ? null : reported(row.completionTokens),
    embedding_tokens: method === "embed" ? row.promptTokens : null,
    latency_ms: row.latencyMs,
    success: row.outcome === "success",
    error_code: errorCodeOf(row),
  }
}

const EMBED_ENDPOINTS: ReadonlySet<string> = new Set(["embeddings", "models.embed"])

function methodOf(endpoint: string, stream: boolean): Harper5Columns["method"] {
  if (EMBED_ENDPOINTS.has(endpoint)) return "embed"
  return stream ? "generateStream" : "generate"
}

function errorCodeOf(row: CallRecordBase): string | null {
  switch (row.outcome) {
    case "success":
      return null
    case "aborted":
      return "aborted"
    case "interrupted":
      return "interrupted"
    case "error":
      return "backend_error"
    case "rejected":
      return row.errorCode === "model_not_found" ? "backend_not_found" : "invalid_request"
    default: {
      const unreachable: never = row.outcome
      return unreachable
    }
  }
}
