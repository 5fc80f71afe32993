import { describe, expect, it } from "vitest"
import type { HarperRequest } from "../http/harper-request.ts"
import { authenticate, type AuthDependencies } from "./authenticate.ts"
import { newGatewayKey, type GatewayKeyRecord } from "./gateway-keys.ts"
import { mayActForAnyTenant } from "./principal.ts"

const settings = { roles: new Set(["gateway_user"]), tenantAttribute: "tenant" }
const users: Record<string, unknown> = {
  root: { username: "root", active: true, createdTime: 0, role: { role: "super_user", permission: { super_user: true } } },
  alice: { username: "alice", active: true, createdTime: 0, tenant: "wonderland", role: { role: "gateway_user", permission: {} } },
  bob: { username: "bob", active: true, role: { role: "reader", permission: {} } },
  gone: { username: "gone", active: false, role: { role: "gateway_user" } },
}
const key = newGatewayKey()
const record: GatewayKeyRecord = { id: key.id, hash: key.hash, user: "alice", tenant: "acme", models: ["m1"], name: null, created: 1_000, revoked: null }
const deps: AuthDependencies = {
  findKey: async (id) => (id === key.id ? record : undefined),
  findUser: async (username) => users[username],
}
const request = (fields: Partial<HarperRequest>): HarperRequest => ({
  method: "POST",
  pathname: "/v1/models",
  headers: { get: () => undefined, set: () => undefined, delete: () => undefined },
  ...fields,
})

describe("authenticate", () => {
  it("401s missing, malformed, unknown and inactive credentials", async () => {
    expect(await authenticate(request({}), settings, deps)).toMatchObject({ ok: false, error: { kind: "missing" } })
    expect(await authenticate(request({ gatewayAuthMalformed: true }), settings, deps)).toMatchObject({ ok: false, error: { kind: "malformed" } })
    expect(await authenticate(request({ gatewayKey: "sk-other" }), settings, deps)).toMatchObject({ ok: false, error: { kind: "invalid" } })
    expect(await authenticate(request({ gatewayKey: `${key.key}x` }), settings, deps)).toMatchObject({ ok: false, error: { kind: "invalid" } })
    expect(await authenticate(request({ user: users["gone"] }), settings, deps)).toMatchObject({ ok: false, error: { kind: "invalid" } })
  })

  it("403s a user who is neither super user nor in a gateway role", async () => {
    expect(await authenticate(request({ user: users["bob"] }), settings, deps)).toMatchObject({ ok: false, error: { _tag: "PermissionDenied" } })
  })

  it("takes the tenant from the key, else the user's attribute, else the username", async () => {
    expect(await authenticate(request({ gatewayKey: key.key }), settings, deps)).toEqual({
      ok: true,
      principal: { user: "alice", tenant: "acme", superUser: false, allowedModels: ["m1"], via: "key", keyId: key.id },
    })
    expect(await authenticate(request({ user: users["alice"] }), settings, deps)).toMatchObject({ ok: true, principal: { tenant: "wonderland" } })
    expect(await authenticate(request({ user: users["root"] }), settings, deps)).toMatchObject({ ok: true, principal: { tenant: "root", superUser: true } })
  })

  it("refuses a revoked key", async () => {
    const revoked: AuthDependencies = { ...deps, findKey: async () => ({ ...record, revoked: 2 }) }
    expect(await authenticate(request({ gatewayKey: key.key }), settings, revoked)).toMatchObject({ ok: false, error: { kind: "invalid" } })
  })

  it("refuses a key whose user was dropped, or dropped and created again under the same name", async () => {
    const dropped: AuthDependencies = { ...deps, findUser: async () => undefined }
    expect(await authenticate(request({ gatewayKey: key.key }), settings, dropped)).toMatchObject({ ok: false, error: { _tag: "Authentication", kind: "invalid" } })
    const recreated: AuthDependencies = { ...deps, findUser: async () => ({ ...(users["alice"] ?? {}), createdTime: 2_000 }) }
    expect(await authenticate(request({ gatewayKey: key.key }), settings, recreated)).toMatchObject({ ok: false, error: { _tag: "Authentication", kind: "invalid" } })
    const unknownAge: AuthDependencies = { ...deps, findUser: async () => ({ ...(users["alice"] ?? {}), createdTime: undefined }) }
    expect(await authenticate(request({ gatewayKey: key.key }), settings, unknownAge)).toMatchObject({ ok: false, error: { kind: "invalid" } })
  })

  it("scopes a key to its tenant even when its user is a super user", async () => {
    const rootKey: AuthDependencies = { ...deps, findKey: async () => ({ ...record, user: "root", tenant: "t1" }) }
    const viaKey = await authenticate(request({ gatewayKey: key.key }), settings, rootKey)
    expect(viaKey.ok && mayActForAnyTenant(viaKey.principal)).toBe(false)
    const viaBasic = await authenticate(request({ user: users["root"] }), settings, deps)
    expect(viaBasic.ok && mayActForAnyTenant(viaBasic.principal)).toBe(true)
  })
})
