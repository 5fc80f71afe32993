import { mayActForAnyTenant } from "../auth/principal.ts"
import type { Gateway } from "./gateway.ts"
import { handleV1 } from "./handle-v1.ts"
import type { HarperRequest } from "./harper-request.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"

export type ReadUsage = (tenant: string, limit: number) => Promise<readonly unknown[]>

const MAX_ROWS = 1_000

/**
 * GET /v1/gateway/usage: the caller's tenant's accounting rows, newest first, `?limit=` up to 1,000. Only a super user signed in with Harper
 * credentials (not a key) may name another tenant with `?tenant=`; everyone else sees their own tenant and nothing else.
 */
export function usage(gateway: Gateway, request: HarperRequest, readUsage: ReadUsage): Promise<HarperResponse> {
  return handleV1(gateway, request, "gateway.usage", async (principal) => {
    const query = new URL(typeof Reflect.get(request, "url") === "string" ? String(Reflect.get(request, "url")) : "/", "http://gateway").searchParams
    const asked = query.get("tenant")
    if (asked !== null && asked !== principal.tenant && !mayActForAnyTenant(principal)) {
      return errorResponse({ _tag: "PermissionDenied", message: "You can only read your own tenant's usage." })
    }
    const limit = Number(query.get("limit") ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROWS) {
      return errorResponse({ _tag: "InvalidRequest", message: `limit must be an integer from 1 to ${MAX_ROWS}.`, param: "limit", code: "invalid_value" })
    }
    const tenant = asked ?? principal.tenant
    return jsonResponse(200, { object: "list", tenant, data: await readUsage(tenant, limit) })
  })
}
