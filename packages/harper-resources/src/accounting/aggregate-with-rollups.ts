import { planAggregate, type TimeSpan } from "./aggregate-plan.ts"
import { createUsageFold, rowContribution, type UsageBucket, type UsageGrouping } from "./aggregate-usage.ts"
import { rollupContribution } from "./usage-rollup.ts"

export interface UsageSources {
  /** The tenant's accounting rows in the span (epoch ms, inclusive). */
  rows(span: TimeSpan): AsyncIterable<unknown>
  /** The tenant's rollup rows (every writer's) whose hour starts in the span. */
  rollups(hours: TimeSpan): AsyncIterable<unknown>
}

/**
 * A tenant's aggregate from the rollups for the whole hours since `rollupsSince`, and
 * from the rows for the rest (the partial hours at the ends: under an hour each, and
 * anything before the rollups started). The same answer as folding every row.
 */
export async function aggregateWithRollups(sources: UsageSources, query: { readonly range: TimeSpan; readonly grouping: UsageGrouping; readonly rollupsSince: number }): Promise<readonly UsageBucket[]> {
  const plan = planAggregate(query.range, query.rollupsSince)
  const fold = createUsageFold(query.grouping)
  for (const span of plan.rows) {
    for await (const row of sources.rows(span)) {
      const contribution = rowContribution(row)
      if (contribution !== undefined) fold.add(contribution.cell, contribution.totals)
    }
  }
  if (plan.hours !== undefined) {
    for await (const row of sources.rollups(plan.hours)) {
      const contribution = rollupContribution(row)
      if (contribution !== undefined) fold.add(contribution.cell, contribution.totals)
    }
  }
  return fold.buckets()
}
