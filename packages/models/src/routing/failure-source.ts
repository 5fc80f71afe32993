import type { GatewayError } from "@harper-gateway/translate"

/**
 * Whom a deployment's failure is charged to for its cooldown (cooldown.ts cools a
 * deployment for everyone only on failures of two callers). The call's tenant when its
 * request may have caused the failure: an upstream 5xx or 429 can follow one body, and a
 * slow first byte one huge prompt. Anyone's (null) when no request can: the deployment's
 * key refused (401, 403), its upstream not knowing the model id, no connection made.
 */
export function failureSource(error: GatewayError, tenant: string | null): string | null {
  switch (error._tag) {
    case "ModelNotFound":
      return null
    case "UpstreamError":
      return error.code === "upstream_authentication_failed" || error.code === "upstream_permission_denied" ? null : tenant
    case "UpstreamTimeout":
      return error.phase === "connect" ? null : tenant
    case "InvalidRequest":
    case "UnsupportedMediaType":
    case "Authentication":
    case "PermissionDenied":
    case "NotFound":
    case "MethodNotAllowed":
    case "UnsupportedEndpoint":
    case "Conflict":
    case "PayloadTooLarge":
    case "RateLimited":
    case "QuotaExhausted":
    case "ContextLengthExceeded":
    case "ContentFiltered":
    case "UpstreamUnavailable":
    case "Cancelled":
    case "Unavailable":
    case "Internal":
      return tenant
    default: {
      const unreachable: never = error
      return unreachable
    }
  }
}
