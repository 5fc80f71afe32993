import type { GatewayError } from "@harper-gateway/translate"
import { isHarperUser, userAttribute, type HarperRequest } from "../http/harper-request.ts"
import { keyIdOf, keyMatches, type GatewayKeyRecord } from "./gateway-keys.ts"
import type { Principal } from "./principal.ts"

export interface AuthSettings {
  /** Harper roles allowed besides super users. */
  readonly roles: ReadonlySet<string>
  /** User attribute that names the tenant; the username when the user has none. */
  readonly tenantAttribute: string
}

export interface AuthDependencies {
  readonly findKey: (id: string) => Promise<GatewayKeyRecord | undefined>
  /**
   * Harper's user for a username (no password check) with its `createdTime`, or
   * undefined when there is no such user (or it is inactive). Throws a GatewayFailure
   * (503) when the user store cannot answer: that is not the client's fault.
   */
  readonly findUser: (username: string) => Promise<unknown>
}

export type AuthOutcome = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly error: GatewayError }

/**
 * Who may use /v1: a Harper user (Basic, or a Harper JWT as Bearer, checked by Harper
 * before this runs) who is a super user or holds a configured role; or a gateway key,
 * which runs as the Harper user it is bound to and must still pass the same check.
 */
export async function authenticate(request: HarperRequest, settings: AuthSettings, deps: AuthDependencies): Promise<AuthOutcome> {
  if (request.gatewayAuthMalformed === true) return fail({ _tag: "Authentication", kind: "malformed" })
  if (request.gatewayKey !== undefined) return authenticateKey(request.gatewayKey, settings, deps)
  if (request.user === undefined || request.user === null) return fail({ _tag: "Authentication", kind: "missing" })
  return authorize(request.user, settings, undefined, undefined)
}

async function authenticateKey(key: string, settings: AuthSettings, deps: AuthDependencies): Promise<AuthOutcome> {
  const id = keyIdOf(key)
  if (id === undefined) return fail({ _tag: "Authentication", kind: "invalid" })
  const record = await deps.findKey(id)
  if (record === undefined || record.revoked !== null || !keyMatches(key, record)) return fail({ _tag: "Authentication", kind: "invalid" })
  const user = await deps.findUser(record.user)
  if (user === undefined || user === null) return fail({ _tag: "Authentication", kind: "invalid" })
  // A key belongs to the user it was made for: a user dropped and created again under the same name is someone else.
  const userCreated = createdTimeOf(user)
  if (userCreated === undefined || userCreated > record.created) return fail({ _tag: "Authentication", kind: "invalid" })
  return authorize(user, settings, record, "key")
}

function authorize(user: unknown, settings: AuthSettings, key: GatewayKeyRecord | undefined, via: "key" | undefined): AuthOutcome {
  if (!isHarperUser(user) || user.active === false) return fail({ _tag: "Authentication", kind: "invalid" })
  const superUser = user.role?.permission?.super_user === true
  const role = user.role?.role
  if (!superUser && (role === undefined || !settings.roles.has(role))) {
    return fail({ _tag: "PermissionDenied", message: `User '${user.username}' is not allowed to use the gateway: it needs the super_user permission or a gateway role.` })
  }
  const tenant = key?.tenant ?? userAttribute(user, settings.tenantAttribute) ?? user.username
  return {
    ok: true,
    principal: { user: user.username, tenant, superUser, allowedModels: key?.models ?? undefined, via: via ?? "harper", ...(key === undefined ? {} : { keyId: key.id }) },
  }
}

/** When Harper created the user record (`__createdtime__` of system.hdb_user), as the plugin's findUser reports it. */
function createdTimeOf(user: unknown): number | undefined {
  const value: unknown = typeof user === "object" && user !== null ? Reflect.get(user, "createdTime") : undefined
  return typeof value === "number" && Number.isFinite(value) ? value : undefined
}

function fail(error: GatewayError): AuthOutcome {
  return { ok: false, error }
}
