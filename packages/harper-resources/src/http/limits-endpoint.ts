import { Result, Schema } from "effect"
import { GatewayFailure, schemaIssueToError } from "@harper-gateway/translate"
import type { TableLike } from "../harper-tables.ts"
import { LimitSettings, limitRuleId, toLimitRule } from "../limits/limit-rule.ts"
import { superUserOnly } from "./gateway-keys-endpoint.ts"
import { readJsonBody } from "./handle-v1.ts"
import type { HarperRequest } from "./harper-request.ts"
import { pathId } from "./path-id.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"

const decodeSettings = Schema.decodeUnknownResult(LimitSettings)

export interface LimitsDependencies {
  readonly table: TableLike & { delete(id: string): unknown }
  /** Tells every thread of this process to reload the limits now. */
  readonly changed: () => void
  readonly logError: (message: string, error: unknown) => void
}

/**
 * /gateway/limits, for super users only (Basic or a Harper JWT):
 * - POST {tenant | key, model?, requests?, tokens?, windowSeconds?, concurrent?, budgetUsd?, budgetPeriod?}
 *   sets the limits of a tenant or a key (for one logical model when `model` is given); fields
 *   left out keep their value, null removes a limit;
 * - GET lists them; DELETE /gateway/limits/<id> removes one;
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
        return await list(deps.table)
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
  const id = limitRuleId(tenant !== undefined ? { tenant } : { keyId: key ?? "" }, model ?? null)
  const before = await findLimit(deps.table, id)
  const record = { ...(typeof before === "object" && before !== null ? before : {}), id, tenant: tenant ?? null, keyId: key ?? null, model: model ?? null, ...settings, updated: Date.now() }
  await deps.table.put(record)
  deps.changed()
  return jsonResponse(before === undefined ? 201 : 200, record)
}

async function resetBudget(id: string, deps: LimitsDependencies): Promise<HarperResponse> {
  const before = await findLimit(deps.table, id)
  if (before === undefined) return unknownLimit(id)
  const record = { ...before, budgetResetAt: Date.now(), updated: Date.now() }
  await deps.table.put(record)
  deps.changed()
  return jsonResponse(200, record)
}

async function list(table: TableLike): Promise<HarperResponse> {
  const rows: unknown[] = []
  for await (const row of table.search({})) if (toLimitRule(row) !== undefined) rows.push({ ...(typeof row === "object" && row !== null ? row : {}) })
  return jsonResponse(200, { object: "list", data: rows })
}

/** The stored row of a limit, as a plain object. By a scan: the table holds one row per limit set, and a get by these ids answered nothing in Harper 4.7. */
async function findLimit(table: TableLike, id: string): Promise<object | undefined> {
  for await (const row of table.search({})) if (toLimitRule(row)?.id === id && typeof row === "object" && row !== null) return { ...row }
  return undefined
}

function unknownLimit(id: string): HarperResponse {
  return errorResponse({ _tag: "InvalidRequest", message: `There is no limit ${JSON.stringify(id)}.`, param: "id", code: "unknown_limit" })
}
