import fc from "fast-check"
import type { GatewayError } from "../src/errors/gateway-error.ts"

const message = fc.string({ maxLength: 60, unit: "grapheme" })
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
const ms = fc.nat({ max: 600_000 })

/** Every reason, with arbitrary data in every field. */
export const gatewayError: fc.Arbitrary<GatewayError> = fc.oneof(
  fc.record({ _tag: fc.constant("InvalidRequest" as const), message, param: fc.option(fc.string(), { nil: null }), code: fc.option(fc.string(), { nil: null }) }),
  fc.record({ _tag: fc.constant("UnsupportedMediaType" as const), contentType: fc.option(fc.string(), { nil: null }) }),
  fc.record({ _tag: fc.constant("Authentication" as const), kind: fc.constantFrom("missing" as const, "malformed" as const, "invalid" as const, "expired" as const) }),
  fc.record({ _tag: fc.constant("PermissionDenied" as const), message }, { requiredKeys: ["_tag"] }),
  fc.record({ _tag: fc.constant("NotFound" as const), method: fc.constantFrom("GET", "POST"), path: fc.string() }),
  fc.record({ _tag: fc.constant("MethodNotAllowed" as const), method: fc.string(), path: fc.string(), allowed: fc.array(fc.constantFrom("GET", "POST"), { minLength: 1 }) }),
  fc.record({ _tag: fc.constant("UnsupportedEndpoint" as const), endpoint: fc.constantFrom("/v1/completions"), model: fc.string() }),
  fc.record({ _tag: fc.constant("ModelNotFound" as const), model: fc.option(fc.string(), { nil: null }) }),
  fc.record({ _tag: fc.constant("Conflict" as const), message }),
  fc.record({ _tag: fc.constant("PayloadTooLarge" as const), limitBytes: fc.nat() }),
  fc.record({ _tag: fc.constant("RateLimited" as const), retryAfterMs: ms, message }, { requiredKeys: ["_tag"] }),
  fc.record({ _tag: fc.constant("QuotaExhausted" as const), message }, { requiredKeys: ["_tag"] }),
  fc.record({ _tag: fc.constant("ContextLengthExceeded" as const), message, param: fc.option(fc.string(), { nil: null }) }, { requiredKeys: ["_tag", "message"] }),
  fc.record({ _tag: fc.constant("ContentFiltered" as const), message }, { requiredKeys: ["_tag"] }),
  fc.record({ _tag: fc.constant("UpstreamError" as const), upstreamStatus: fc.integer({ min: 400, max: 599 }), code: fc.string(), detail: fc.string() }, { requiredKeys: ["_tag"] }),
  fc.record({ _tag: fc.constant("UpstreamTimeout" as const), phase: fc.constantFrom("connect" as const, "first_byte" as const, "idle" as const, "body" as const, "total" as const) }),
  fc.record({ _tag: fc.constant("UpstreamUnavailable" as const), retryAfterMs: optional(ms) }).map(({ _tag, retryAfterMs }): GatewayError => (retryAfterMs === undefined ? { _tag } : { _tag, retryAfterMs })),
  fc.constant({ _tag: "Cancelled" as const }),
  fc.record({ _tag: fc.constant("Unavailable" as const), detail: fc.string() }, { requiredKeys: ["_tag"] }),
  fc.record({ _tag: fc.constant("Internal" as const), detail: fc.string() }, { requiredKeys: ["_tag"] }),
)
