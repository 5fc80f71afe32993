/** One row of `hdb_model_calls`: one model call the gateway accepted or refused. */
export interface ModelCallRecord {
  readonly id: string
  /** Epoch milliseconds when the call started. */
  readonly time: number
  readonly tenant: string | null
  readonly user: string | null
  readonly endpoint: string
  readonly logicalModel: string | null
  readonly backend: string | null
  readonly upstreamModel: string | null
  readonly stream: boolean
  readonly promptTokens: number | null
  readonly completionTokens: number | null
  readonly totalTokens: number | null
  readonly cachedTokens: number | null
  readonly reasoningTokens: number | null
  /** True when the counts are the gateway's estimate (a stream cut before the upstream reported usage). */
  readonly tokensEstimated: boolean
  readonly latencyMs: number
  /** Time to the first streamed token, or to the answer for a non-streamed call. */
  readonly ttftMs: number | null
  readonly outcome: "success" | "error" | "aborted" | "rejected"
  readonly errorCode: string | null
  readonly status: number
}
