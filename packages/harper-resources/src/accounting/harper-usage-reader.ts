import type { TableLike } from "../harper-tables.ts"
import type { TimeRange, UsageReader } from "../http/usage.ts"
import { aggregateWithRollups } from "./aggregate-with-rollups.ts"
import { rollupsSince } from "./rollup-starts.ts"

export interface UsageTables {
  readonly calls: TableLike
  readonly rollups: TableLike
  readonly rollupStarts: TableLike
}

/** /v1/gateway/usage's reads: a tenant's rows, and its aggregates from rollups where they are whole. */
export function createUsageReader(tables: UsageTables): UsageReader {
  const { calls, rollups, rollupStarts } = tables
  return {
    async rows(tenant, range, limit) {
      const rows: unknown[] = []
      for await (const row of calls.search({ conditions: inRange(tenant, range), sort: { attribute: "time", descending: true }, limit })) rows.push({ ...(typeof row === "object" && row !== null ? row : {}) })
      return rows
    },
    aggregate: async (tenant, range, grouping) =>
      aggregateWithRollups(
        {
          rows: (span) => calls.search({ conditions: inRange(tenant, span) }),
          rollups: (hours) =>
            rollups.search({
              conditions: [
                { attribute: "tenant", value: tenant },
                { attribute: "hour", comparator: "between", value: [hours.from, hours.to] },
              ],
            }),
        },
        { range, grouping, rollupsSince: await rollupsSince(rollupStarts) },
      ),
  }
}

/** The tenant's rows in the range (`tenant` and `time` are indexed). */
function inRange(tenant: string, range: TimeRange): object[] {
  return [
    { attribute: "tenant", value: tenant },
    { attribute: "time", comparator: "between", value: [range.from, range.to] },
  ]
}
