import { Result, Schema } from "effect"
import { GatewayFailure, schemaIssueToError, type GatewayError } from "@harper-gateway/translate"
import { newGatewayKey, type GatewayKeyRecord } from "../auth/gateway-keys.ts"
import { isHarperUser, type HarperRequest } from "./harper-request.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"
import { readJsonBody } from "./handle-v1.ts"
import { NameField } from "./name-field.ts"
import { pathId } from "./path-id.ts"
import { toKeyRecord, type TableLike } from "../harper-tables.ts"

const CreateKey = Schema.Struct({
  user: Schema.String.check(Schema.isMinLength(1)),
  tenant: Schema.optionalKey(NameField),
  models: Schema.optionalKey(Schema.Array(Schema.String)),
  name: Schema.optionalKey(Schema.String),
})
const decodeCreateKey = Schema.decodeUnknownResult(CreateKey)

export interface KeysDependencies {
  readonly table: TableLike
  readonly findUser: (username: string) => Promise<unknown>
  /** This thread's key cache learns of the revocation at once (other threads by the table's change notices). */
  readonly revoked: (record: GatewayKeyRecord) => void
  readonly logError: (message: string, error: unknown) => void
}

/**
 * /gateway/keys, for super users only (Basic or a Harper JWT):
 * - POST {user, tenant?, models?, name?} creates a key bound to that Harper user and
 *   returns it once: `{id, key, …}`; only its hash is stored;
 * - GET lists keys (never the secret or its hash);
 * - DELETE /gateway/keys/<id> revokes one.
 */
export async function gatewayKeys(request: HarperRequest, pathname: string, data: unknown, deps: KeysDependencies): Promise<HarperResponse> {
  try {
    return await handleKeys(request, pathname, data, deps)
  } catch (error) {
    // Whatever failed, the client gets an OpenAI-shaped answer and the operator the detail.
    deps.logError("gateway keys endpoint failed", error)
    return errorResponse(GatewayFailure.reasonOf(error) ?? { _tag: "Internal" })
  }
}

async function handleKeys(request: HarperRequest, pathname: string, data: unknown, deps: KeysDependencies): Promise<HarperResponse> {
  const refusal = superUserOnly(request)
  if (refusal !== undefined) return errorResponse(refusal)
  const id = pathId(pathname)
  if (id === undefined) return errorResponse({ _tag: "InvalidRequest", message: "The key id in the path is not valid percent-encoding.", param: "id", code: "unknown_key" })
  switch (request.method) {
    case "POST":
      return id === "" ? create(request, data, deps) : errorResponse({ _tag: "MethodNotAllowed", method: "POST", path: request.pathname, allowed: ["DELETE"] })
    case "GET":
      return list(deps.table)
    case "DELETE":
      return revoke(id, deps)
    default:
      return errorResponse({ _tag: "MethodNotAllowed", method: request.method, path: request.pathname, allowed: ["GET", "POST", "DELETE"] })
  }
}

async function create(request: HarperRequest, data: unknown, deps: KeysDependencies): Promise<HarperResponse> {
  const read = await readJsonBody(request, data)
  if (!read.ok) return errorResponse(read.error)
  const decoded = decodeCreateKey(read.body, { errors: "first", onExcessProperty: "error" })
  if (Result.isFailure(decoded)) return errorResponse(schemaIssueToError(decoded.failure.issue))
  const body = decoded.success
  if (!isHarperUser(await deps.findUser(body.user))) {
    return errorResponse({ _tag: "InvalidRequest", message: `There is no Harper user named ${JSON.stringify(body.user)}.`, param: "user", code: "unknown_user" })
  }
  const { id, key, hash } = newGatewayKey()
  const record: GatewayKeyRecord = {
    id,
    hash,
    user: body.user,
    tenant: body.tenant ?? null,
    models: body.models ?? null,
    name: body.name ?? null,
    created: Date.now(),
    revoked: null,
  }
  await deps.table.put({ ...record })
  return jsonResponse(201, { id, key, user: record.user, tenant: record.tenant, models: record.models, name: record.name, created: record.created })
}

async function list(table: TableLike): Promise<HarperResponse> {
  const keys = []
  for await (const row of table.search({})) {
    const record = toKeyRecord(row)
    if (record === undefined) continue
    const { hash: _hash, ...visible } = record
    keys.push(visible)
  }
  return jsonResponse(200, { object: "list", data: keys })
}

async function revoke(id: string, deps: KeysDependencies): Promise<HarperResponse> {
  const record = toKeyRecord(await deps.table.get(id))
  if (record === undefined) return errorResponse({ _tag: "InvalidRequest", message: `There is no gateway key ${JSON.stringify(id)}.`, param: "id", code: "unknown_key" })
  const revoked = record.revoked ?? Date.now()
  await deps.table.put({ ...record, revoked })
  deps.revoked({ ...record, revoked })
  const { hash: _hash, ...visible } = record
  return jsonResponse(200, { ...visible, revoked })
}

export function superUserOnly(request: HarperRequest, what = "manage gateway keys"): GatewayError | undefined {
  if (request.user === undefined || request.user === null) return { _tag: "Authentication", kind: "missing" }
  if (!isHarperUser(request.user) || request.user.role?.permission?.super_user !== true) {
    return { _tag: "PermissionDenied", message: `Only super users can ${what}.` }
  }
  return undefined
}
