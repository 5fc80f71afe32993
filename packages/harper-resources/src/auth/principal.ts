/** Who a /v1 request runs as, after authentication and the permission check. */
export interface Principal {
  readonly user: string
  readonly tenant: string
  readonly superUser: boolean
  /** Set when a gateway key restricts which models it may use. */
  readonly allowedModels: readonly string[] | undefined
  readonly via: "key" | "harper"
}
