import type { AggregateGate } from "../accounting/aggregate-gate.ts"
import type { UsageBucket, UsageGrouping } from "../accounting/aggregate-usage.ts"
import { mayActForAnyTenant } from "../auth/principal.ts"
import type { Gateway } from "./gateway.ts"
import { handleV1 } from "./handle-v1.ts"
import { queryOf, type HarperRequest } from "./harper-request.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"

export interface UsageReader {
  /** The tenant's rows in the time range (epoch ms, inclusive), newest first. */
  rows(tenant: string, range: TimeRange, limit: number): Promise<readonly unknown[]>
  /** The tenant's calls in the time range, grouped. */
  aggregate(tenant: string, range: TimeRange, grouping: UsageGrouping): Promise<readonly UsageBucket[]>
}

export interface UsageDeps {
  readonly reader: UsageReader
  /** Bounds the aggregates running at once (per tenant, per node): past it a 429. */
  readonly gate: AggregateGate
  readonly now?: () => number
}

/** What a client refused by the gate is told to wait: an aggregate takes about this long. */
const BUSY_RETRY_AFTER_MS = 2_000

export interface TimeRange {
  readonly from: number
  readonly to: number
}

const MAX_ROWS = 1_000
const DAY_MS = 86_400_000
/** The widest range one aggregate may scan: each request reads every row in it. */
const MAX_RANGE_MS = 93 * DAY_MS
const GROUPINGS: readonly UsageGrouping[] = ["hour", "day", "model", "key"]

/**
 * GET /v1/gateway/usage: the caller's tenant's accounting rows, newest first, `?limit=`
 * up to 1,000; or, with `?group_by=hour|day|model|key`, its calls, errors, tokens and
 * cost per group. `?from=` and `?to=` (ISO 8601 or epoch milliseconds) bound the time:
 * by default the last 30 days, at most 93 days. Only a super user signed in with Harper
 * credentials (not a key) may name another tenant with `?tenant=`; everyone else sees
 * their own tenant and nothing else.
 */
export function usage(gateway: Pick<Gateway, "auth" | "headerHooks" | "logError" | "limitHeaders">, request: HarperRequest, deps: UsageDeps): Promise<HarperResponse> {
  const { reader, gate } = deps
  const now = deps.now ?? Date.now
  return handleV1(gateway, request, "gateway.usage", async (principal) => {
    const query = queryOf(request)
    const asked = query.get("tenant")
    if (asked !== null && asked !== principal.tenant && !mayActForAnyTenant(principal)) {
      return errorResponse({ _tag: "PermissionDenied", message: "You can only read your own tenant's usage." })
    }
    const tenant = asked ?? principal.tenant
    const to = readTime(query.get("to"), now())
    const from = readTime(query.get("from"), (to ?? now()) - 30 * DAY_MS)
    if (to === undefined) return invalid("to must be an ISO 8601 time or epoch milliseconds.", "to")
    if (from === undefined) return invalid("from must be an ISO 8601 time or epoch milliseconds.", "from")
    if (from > to) return invalid("from must not be after to.", "from")
    const groupBy = query.get("group_by")
    if (groupBy !== null) {
      const grouping = GROUPINGS.find((candidate) => candidate === groupBy)
      if (grouping === undefined) return invalid(`group_by must be one of ${GROUPINGS.join(", ")}.`, "group_by")
      if (to - from > MAX_RANGE_MS) return invalid("An aggregate covers at most 93 days: narrow from and to.", "from")
      const release = gate.enter(tenant)
      if (release === undefined) {
        return errorResponse({ _tag: "RateLimited", retryAfterMs: BUSY_RETRY_AFTER_MS, message: "Too many usage aggregates are running (for this tenant or on this node). Please retry after the delay given in the retry-after header." })
      }
      let data: readonly UsageBucket[]
      try {
        data = await reader.aggregate(tenant, { from, to }, grouping)
      } finally {
        release()
      }
      return jsonResponse(200, { object: "list", tenant, group_by: grouping, from: new Date(from).toISOString(), to: new Date(to).toISOString(), data })
    }
    const limit = Number(query.get("limit") ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROWS) return invalid(`limit must be an integer from 1 to ${MAX_ROWS}.`, "limit")
    return jsonResponse(200, { object: "list", tenant, data: await reader.rows(tenant, { from, to }, limit) })
  })
}

function invalid(message: string, param: string): HarperResponse {
  return errorResponse({ _tag: "InvalidRequest", message, param, code: "invalid_value" })
}

/** ISO 8601 or epoch milliseconds; the fallback when absent; undefined when unreadable. */
function readTime(value: string | null, fallback: number): number | undefined {
  if (value === null || value === "") return fallback
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  return Number.isFinite(time) ? time : undefined
}
