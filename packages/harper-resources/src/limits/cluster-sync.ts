import { currentPeriod } from "./budget-period.ts"
import type { LimitRule } from "./limit-rule.ts"
import { fromNano, OWN_SPEND, periodTag, readTagged, REMOTE_REQUESTS, REMOTE_SPEND, REMOTE_SPEND_PERIOD, REMOTE_TOKENS, requestsWindow, SPEND_PERIOD, storeTagged, toNano, tokensWindow } from "./limit-slots.ts"
import { othersUse, peerUsageId, type PeerUsage } from "./peer-usage.ts"
import { peekWindow, setWindow, windowStartOf } from "./window-counter.ts"

export interface ClusterSyncDeps {
  /** This node's name; its records are `<node>|<rule id>`. */
  readonly node: string
  readonly rules: () => Promise<readonly LimitRule[]>
  readonly counters: (ruleId: string) => BigInt64Array
  /** Every node's records of gateway_limit_usage (rules × nodes rows, this node's own as last written). */
  readonly readAll: () => Promise<readonly PeerUsage[]>
  /** Overwrites this node's record of a rule. */
  readonly publish: (usage: PeerUsage) => Promise<void>
  readonly now: () => number
}

/**
 * One round of the cluster-wide limits, run off the request path every sync interval by
 * one thread of each node: stores the other nodes' published counts and spend in the
 * rules' shared slots (what admission adds to this node's own), and publishes this
 * node's own where they changed.
 */
export function createClusterSync(deps: ClusterSyncDeps): () => Promise<void> {
  return async () => {
    const [rules, records] = await Promise.all([deps.rules(), deps.readAll()])
    const byRule = new Map<string, PeerUsage[]>()
    for (const record of records) byRule.set(record.ruleId, [...(byRule.get(record.ruleId) ?? []), record])
    const now = deps.now()
    const writes: Promise<void>[] = []
    for (const rule of rules) {
      if (rule.requests === null && rule.tokens === null && rule.budgetUsd === null) continue // concurrency alone: per node
      const slots = deps.counters(rule.id)
      const ofRule = byRule.get(rule.id) ?? []
      const windowStart = windowStartOf(now, rule.windowMs)
      const periodStart = rule.budgetUsd === null ? null : currentPeriod(rule.budgetPeriod, now, rule.budgetResetAt).startMs
      const others = othersUse(ofRule, deps.node, rule.id, { start: windowStart, ms: rule.windowMs }, periodStart)
      setWindow({ slots, index: REMOTE_REQUESTS, windowMs: rule.windowMs }, now, others.requests)
      setWindow({ slots, index: REMOTE_TOKENS, windowMs: rule.windowMs }, now, others.tokens)
      if (periodStart !== null) storeTagged(slots, REMOTE_SPEND_PERIOD, REMOTE_SPEND, periodTag(periodStart), toNano(others.spendUsd), true)

      // A budget not loaded this period on this node: its record keeps the node's spend, so it is left as it is.
      if (periodStart !== null && Atomics.load(slots, SPEND_PERIOD) !== periodTag(periodStart)) continue
      const requests = peekWindow(requestsWindow(rule, slots), now).used
      // With what this node carried from earlier windows: the other nodes hold it to the same limit.
      const tokens = peekWindow(tokensWindow(rule, slots), now).used
      const spendUsd = periodStart === null ? 0 : fromNano(readTagged(slots, SPEND_PERIOD, OWN_SPEND, periodTag(periodStart)))
      const stored = ofRule.find((record) => record.node === deps.node)
      const storedCounts = stored !== undefined && stored.windowStart === windowStart && stored.windowMs === rule.windowMs ? stored : { requests: 0, tokens: 0 }
      const storedSpend = stored !== undefined && periodStart !== null && stored.periodStart === periodStart ? stored.spendUsd : 0
      if (requests === storedCounts.requests && tokens === storedCounts.tokens && toNano(spendUsd) === toNano(storedSpend)) continue
      writes.push(deps.publish({ id: peerUsageId(deps.node, rule.id), node: deps.node, ruleId: rule.id, windowStart, windowMs: rule.windowMs, requests, tokens, periodStart, spendUsd, updated: now }))
    }
    await Promise.all(writes)
  }
}
