import type { ModelCallRecord } from "@harper-gateway/models"

type NumberColumn = { [K in keyof ModelCallRecord]-?: Extract<ModelCallRecord[K], number> extends never ? never : K }[keyof ModelCallRecord]

/** hdb_model_calls' `Int` columns (schema.graphql): Harper refuses there anything but a 32-bit integer. */
export const INT_COLUMNS: readonly NumberColumn[] = ["promptTokens", "completionTokens", "totalTokens", "cachedTokens", "reasoningTokens", "status", "prompt_tokens", "completion_tokens", "embedding_tokens", "attempt"]
/** Its `Float` columns: Harper takes any number, but a non-finite one would poison every sum over them (and the journal turns it into null). */
export const FLOAT_COLUMNS: readonly NumberColumn[] = ["time", "latencyMs", "ttftMs", "latency_ms", "cost_usd"]

const INT_MIN = -2_147_483_648
const INT_MAX = 2_147_483_647

/**
 * Why hdb_model_calls cannot take this row as it is, or undefined when every number fits its
 * column. Checked before a batch is written, so one such row is set aside (quarantined)
 * without costing its batch a failed transaction.
 */
export function columnFault(row: ModelCallRecord): string | undefined {
  for (const column of INT_COLUMNS) {
    const value = row[column]
    if (value !== null && value !== undefined && !(Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX)) return `${column} is ${value}: not a 32-bit integer (an Int column)`
  }
  for (const column of FLOAT_COLUMNS) {
    const value = row[column]
    if (value !== null && value !== undefined && !Number.isFinite(value)) return `${column} is ${value}: not a finite number`
  }
  return undefined
}
