/** Who a /v1 request runs as, after authentication and the permission check. */
export interface Principal {
  readonly user: string
  readonly tenant: string
  readonly superUser: boolean
  /** Set when a gateway key restricts which models it may use. */
  readonly allowedModels: readonly string[] | undefined
  readonly via: "key" | "harper"
  /** The gateway key's id when `via` is "key". */
  readonly keyId?: string
}

/**
 * Whether this caller may act for tenants other than its own (read their usage): a
 * super user who signed in with Harper credentials. A key is scoped to its tenant even
 * when its user is a super user: the key's tenant is its boundary.
 */
export function mayActForAnyTenant(principal: Principal): boolean {
  return principal.superUser && principal.via === "harper"
}
