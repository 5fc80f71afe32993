import { Result, Schema } from "effect"
import { GatewayFailure, schemaIssueToError } from "@harper-gateway/translate"
import type { TableLike } from "../harper-tables.ts"
import { LimitSettings, limitRuleId, sameTarget, toLimitRule } from "../limits/limit-rule.ts"
import { superUserOnly } from "./gateway-keys-endpoint.ts"
import { readJsonBody } from "./handle-v1.ts"
import { queryOf, type HarperRequest } from "./harper-request.ts"
import { pathId } from "./path-id.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"

const decodeSettings = Schema.decodeUnknownResult(LimitSettings)

export interface LimitsDependencies {
  readonly table: TableLike & { delete(id: string): unknown }
  /** Tells every thread of this process to reload the limits now. */
  readonly changed: () => void
  readonly logError: (message: string, error: unknown) => void
  /** The most rules the table may hold (every thread keeps them all in memory); default DEFAULT_MAX_RULES. */
  readonly maxRules?: number
}

/** `limits.maxRules`' default: far more owners than one node serves, and a few MB of rules per thread. */
const DEFAULT_MAX_RULES = 10_000

/**
 * /gateway/limits, for super users only (Basic or a Harper JWT):
 * - POST {tenant | key, model?, requests?, tokens?, windowSeconds?, concurrent?, budgetUsd?, budgetPeriod?}
 *   sets the limits of a tenant or a key (for one logical model when `model` is given); fields
 *   left out keep their value, null removes a limit;
 * - GET lists them by id, a page at a time (`?limit=` 1-1000, default 100; `?after=<last_id>`);
 *   DELETE /gateway/limits/<id> removes one;
 * - POST /gateway/limits/<id>/reset starts its budget's spend again from now.
 */
export async function gatewayLimits(request: HarperRequest, pathname: string, data: unknown, deps: LimitsDependencies): Promise<HarperResponse> {
  try {
    const refusal = superUserOnly(request, "manage gateway limits")
    if (refusal !== undefined) return errorResponse(refusal)
    const path = pathId(pathname)
    if (path === undefined) return errorResponse({ _tag: "InvalidRequest", message: "The limit id in the path is not valid percent-encoding.", param: "id", code: "unknown_limit" })
    const reset = /^(.+)\/reset$/.exec(path)?.[1]
    switch (request.method) {
      case "POST":
        if (reset !== undefined) return await resetBudget(reset, deps)
        return path === "" ? await upsert(request, data, deps) : errorResponse({ _tag: "MethodNotAllowed", method: "POST", path: request.pathname, allowed: ["DELETE"] })
      case "GET":
        return await list(deps.table, queryOf(request))
      case "DELETE": {
        if ((await findLimit(deps.table, path)) === undefined) return unknownLimit(path)
        await deps.table.delete(path)
        deps.changed()
        return jsonResponse(200, { id: path, deleted: true })
      }
      default:
        return errorResponse({ _tag: "MethodNotAllowed", method: request.method, path: request.pathname, allowed: ["GET", "POST", "DELETE"] })
    }
  } catch (error) {
    deps.logError("gateway limits endpoint failed", error)
    return errorResponse(GatewayFailure.reasonOf(error) ?? { _tag: "Internal" })
  }
}

async function upsert(request: HarperRequest, data: unknown, deps: LimitsDependencies): Promise<HarperResponse> {
  const read = await readJsonBody(request, data)
  if (!read.ok) return errorResponse(read.error)
  const decoded = decodeSettings(read.body, { errors: "first", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) return errorResponse(schemaIssueToError(decoded.failure.issue))
  const { tenant, key, model, ...settings } = decoded.success
  if ((tenant === undefined) === (key === undefined)) {
    return errorResponse({ _tag: "InvalidRequest", message: "Name exactly one of `tenant` and `key` (a gateway key's id).", param: "tenant", code: "invalid_value" })
  }
  const target = { tenant: tenant ?? null, keyId: key ?? null, model: model ?? null }
  const id = limitRuleId(tenant !== undefined ? { tenant } : { keyId: key ?? "" }, target.model)
  const { before, holder, count } = await findTarget(deps.table, target, id)
  const maxRules = deps.maxRules ?? DEFAULT_MAX_RULES
  if (before === undefined && count >= maxRules) {
    return errorResponse({ _tag: "InvalidRequest", message: `There are ${count} limits already, the most this gateway keeps (limits.maxRules, ${maxRules}): delete one, or change an existing one.`, param: null, code: "too_many_limits" })
  }
  if (holder !== undefined) {
    // A row stored before ids were encoded, for another owner, already has this id: never overwrite it.
    return errorResponse({ _tag: "Conflict", message: `The limit id ${JSON.stringify(id)} is held by an older limit for another owner: delete that one first.` })
  }
  const record = { ...(before ?? {}), id, ...target, ...settings, updated: Date.now() }
  await deps.table.put(record)
  // A rule found under its older, plainly joined id moves to the encoded one.
  if (before !== undefined && Reflect.get(before, "id") !== id) await deps.table.delete(String(Reflect.get(before, "id")))
  deps.changed()
  return jsonResponse(before === undefined ? 201 : 200, record)
}

/** The stored rule for this owner and model (under whatever id), a different rule holding `id` if any, and how many rules there are. By a scan (see findLimit). */
async function findTarget(
  table: TableLike,
  target: { readonly tenant: string | null; readonly keyId: string | null; readonly model: string | null },
  id: string,
): Promise<{ before: object | undefined; holder: object | undefined; count: number }> {
  let before: object | undefined
  let holder: object | undefined
  let count = 0
  for await (const row of table.search({})) {
    const rule = toLimitRule(row)
    if (rule === undefined || typeof row !== "object" || row === null) continue
    count++
    if (sameTarget(rule, target)) before = { ...row }
    else if (rule.id === id) holder = { ...row }
  }
  return { before, holder, count }
}

async function resetBudget(id: string, deps: LimitsDependencies): Promise<HarperResponse> {
  const before = await findLimit(deps.table, id)
  if (before === undefined) return unknownLimit(id)
  const record = { ...before, budgetResetAt: Date.now(), updated: Date.now() }
  await deps.table.put(record)
  deps.changed()
  return jsonResponse(200, record)
}

const MAX_PAGE = 1_000
const DEFAULT_PAGE = 100

/**
 * One page of rules in id order after the cursor. The scan holds at most `limit + 1`
 * rows whatever the table holds (and whatever order Harper yields them in).
 */
async function list(table: TableLike, query: URLSearchParams): Promise<HarperResponse> {
  const limit = Number(query.get("limit") ?? DEFAULT_PAGE)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    return errorResponse({ _tag: "InvalidRequest", message: `limit must be an integer from 1 to ${MAX_PAGE}.`, param: "limit", code: "invalid_value" })
  }
  const after = query.get("after")
  const page: { readonly id: string; readonly row: object }[] = []
  for await (const row of table.search({})) {
    const rule = toLimitRule(row)
    if (rule === undefined || typeof row !== "object" || row === null || (after !== null && rule.id <= after)) continue
    if (page.length > limit && rule.id >= (page[limit]?.id ?? "")) continue
    page.splice(insertionPoint(page, rule.id), 0, { id: rule.id, row: { ...row } })
    if (page.length > limit + 1) page.pop()
  }
  const data = page.slice(0, limit)
  return jsonResponse(200, { object: "list", data: data.map((entry) => entry.row), first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.length > limit })
}

/** Where `id` goes in the sorted page (binary search). */
function insertionPoint(page: readonly { readonly id: string }[], id: string): number {
  let low = 0
  let high = page.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((page[middle]?.id ?? "") < id) low = middle + 1
    else high = middle
  }
  return low
}

/** The stored row of a limit, as a plain object. By a scan: the table holds one row per limit set, and a get by these ids answered nothing in Harper 4.7. */
async function findLimit(table: TableLike, id: string): Promise<object | undefined> {
  for await (const row of table.search({})) if (toLimitRule(row)?.id === id && typeof row === "object" && row !== null) return { ...row }
  return undefined
}

function unknownLimit(id: string): HarperResponse {
  return errorResponse({ _tag: "InvalidRequest", message: `There is no limit ${JSON.stringify(id)}.`, param: "id", code: "unknown_limit" })
}
