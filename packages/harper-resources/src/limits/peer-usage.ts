import { Schema } from "effect"

/**
 * One node's last published use of one limit rule: a row of gateway_limit_usage (id
 * `<node>|<rule id>`), overwritten by that node only, replicated to every node.
 */
const StoredPeerUsage = Schema.Struct({
  id: Schema.String,
  node: Schema.String,
  ruleId: Schema.String,
  /** The window the counts are for: its start and length (ms). */
  windowStart: Schema.Number,
  windowMs: Schema.Number,
  requests: Schema.Number,
  tokens: Schema.Number,
  /** The budget period the spend is for (its start, ms; null when the rule has no budget). */
  periodStart: Schema.NullOr(Schema.Number),
  /** USD this node spent under the rule in that period. */
  spendUsd: Schema.Number,
  updated: Schema.Number,
})
export type PeerUsage = typeof StoredPeerUsage.Type
const isStoredPeerUsage = Schema.is(StoredPeerUsage)

export function toPeerUsage(row: unknown): PeerUsage | undefined {
  if (!isStoredPeerUsage(row)) return undefined
  const { id, node, ruleId, windowStart, windowMs, requests, tokens, periodStart, spendUsd, updated } = row
  return { id, node, ruleId, windowStart, windowMs, requests, tokens, periodStart, spendUsd, updated }
}

export const peerUsageId = (node: string, ruleId: string): string => `${node}|${ruleId}`

export interface OthersUse {
  readonly requests: number
  readonly tokens: number
  readonly spendUsd: number
}

/**
 * What the nodes other than `self` published for one rule: their counts for the window
 * `window` (a node that stopped publishing counts 0 once its window has
 * passed) and their spend in the period starting at `periodStart` (kept for the whole
 * period: that money is spent, whether or not the node is still up).
 */
export function othersUse(records: Iterable<PeerUsage>, self: string, ruleId: string, window: { readonly start: number; readonly ms: number } | null, periodStart: number | null): OthersUse {
  let requests = 0
  let tokens = 0
  let spendUsd = 0
  for (const record of records) {
    if (record.node === self || record.ruleId !== ruleId) continue
    if (window !== null && record.windowStart === window.start && record.windowMs === window.ms) {
      requests += record.requests
      tokens += record.tokens
    }
    if (periodStart !== null && record.periodStart === periodStart) spendUsd += record.spendUsd
  }
  return { requests, tokens, spendUsd }
}
