/**
 * One tagged union of every reason the gateway can fail a request for. Each reason
 * carries only data that is safe to show a client: messages from our own code or
 * from an upstream's answer about the client's request, never stacks, internal
 * messages or keys. `detail` is for operators' logs only and never reaches a client.
 * `toOpenAIError` turns any reason into the wire envelope.
 */
export type GatewayError =
  | {
      readonly _tag: "InvalidRequest"
      readonly message: string
      readonly param?: string | null
      readonly code?: string | null
      /** A client-side status an upstream gave other than 400, kept as it was. */
      readonly status?: 404 | 413 | 422
      readonly shouldRetry?: boolean
    }
  | { readonly _tag: "UnsupportedMediaType"; readonly contentType: string | null }
  | { readonly _tag: "Authentication"; readonly kind: "missing" | "malformed" | "invalid" | "expired" }
  | { readonly _tag: "PermissionDenied"; readonly message?: string }
  | { readonly _tag: "NotFound"; readonly method: string; readonly path: string }
  | { readonly _tag: "MethodNotAllowed"; readonly method: string; readonly path: string; readonly allowed: readonly string[] }
  /** The model exists, but no backend serving it has this endpoint (legacy `/v1/completions` on Anthropic): the client's 400, never retried. */
  | { readonly _tag: "UnsupportedEndpoint"; readonly endpoint: string; readonly model: string }
  | { readonly _tag: "ModelNotFound"; readonly model: string | null; readonly shouldRetry?: boolean }
  | { readonly _tag: "Conflict"; readonly message: string; readonly shouldRetry?: boolean }
  | { readonly _tag: "PayloadTooLarge"; readonly limitBytes: number }
  | { readonly _tag: "RateLimited"; readonly retryAfterMs?: number; readonly message?: string; readonly shouldRetry?: boolean }
  | { readonly _tag: "QuotaExhausted"; readonly message?: string }
  | { readonly _tag: "ContextLengthExceeded"; readonly message: string; readonly param?: string | null; readonly shouldRetry?: boolean }
  | { readonly _tag: "ContentFiltered"; readonly message?: string; readonly shouldRetry?: boolean }
  | {
      readonly _tag: "UpstreamError"
      readonly upstreamStatus?: number
      readonly code?: string
      /** The upstream's own message, already redacted for clients (a mid-stream error frame's, or a 5xx JSON body's). */
      readonly message?: string
      readonly detail?: string
      /** `false` when retrying cannot help (the operator's provider key was refused); the upstream's `x-should-retry` otherwise. */
      readonly shouldRetry?: boolean
    }
  | { readonly _tag: "UpstreamTimeout"; readonly phase: UpstreamTimeoutPhase; readonly shouldRetry?: boolean }
  | { readonly _tag: "UpstreamUnavailable"; readonly retryAfterMs?: number; readonly message?: string; readonly shouldRetry?: boolean }
  | { readonly _tag: "Cancelled" }
  /** The gateway's own storage (users, keys) could not answer: retryable, never the client's fault. */
  | { readonly _tag: "Unavailable"; readonly detail?: string }
  | { readonly _tag: "Internal"; readonly detail?: string }

/**
 * Which clock ran out: `first_byte` the headers or, for a stream, its first content;
 * `idle` between two contents of a stream; `body` a non-streamed answer's body after its
 * headers; `total` the whole call.
 */
export type UpstreamTimeoutPhase = "connect" | "first_byte" | "idle" | "body" | "total"

export type GatewayErrorTag = GatewayError["_tag"]

/** Whether a client may usefully send the same request again. */
export function isRetryable(error: GatewayError): boolean {
  if ("shouldRetry" in error && error.shouldRetry !== undefined) return error.shouldRetry
  switch (error._tag) {
    case "RateLimited":
    case "Conflict":
    case "UpstreamError":
    case "UpstreamTimeout":
    case "UpstreamUnavailable":
    case "Unavailable":
    case "Internal":
      return true
    case "InvalidRequest":
    case "UnsupportedMediaType":
    case "Authentication":
    case "PermissionDenied":
    case "NotFound":
    case "MethodNotAllowed":
    case "UnsupportedEndpoint":
    case "ModelNotFound":
    case "PayloadTooLarge":
    case "QuotaExhausted":
    case "ContextLengthExceeded":
    case "ContentFiltered":
    case "Cancelled":
      return false
    default: {
      const unreachable: never = error
      return unreachable
    }
  }
}

/** Narrow an unknown thrown value to a GatewayError (backends throw them as values). */
export function isGatewayError(value: unknown): value is GatewayError {
  return typeof value === "object" && value !== null && "_tag" in value && typeof value._tag === "string" && gatewayErrorTags.has(value._tag)
}

const gatewayErrorTags: ReadonlySet<string> = new Set<GatewayErrorTag>([
  "InvalidRequest",
  "UnsupportedMediaType",
  "Authentication",
  "PermissionDenied",
  "NotFound",
  "MethodNotAllowed",
  "UnsupportedEndpoint",
  "ModelNotFound",
  "Conflict",
  "PayloadTooLarge",
  "RateLimited",
  "QuotaExhausted",
  "ContextLengthExceeded",
  "ContentFiltered",
  "UpstreamError",
  "UpstreamTimeout",
  "UpstreamUnavailable",
  "Cancelled",
  "Unavailable",
  "Internal",
])

/**
 * A GatewayError that can be thrown and caught across package copies: identity is the
 * `_tag` shape, not `instanceof`.
 */
export class GatewayFailure extends Error {
  readonly reason: GatewayError
  /** For the operator's log and the accounting row only (e.g. an upstream's error body, credentials removed): never sent to a client. */
  readonly detail: string | undefined
  constructor(reason: GatewayError, detail?: string) {
    super(reason._tag)
    this.name = "GatewayFailure"
    this.reason = reason
    this.detail = detail
  }

  static detailOf(value: unknown): string | undefined {
    if (typeof value !== "object" || value === null) return undefined
    const detail: unknown = "detail" in value ? value.detail : undefined
    return typeof detail === "string" ? detail : undefined
  }
  static reasonOf(value: unknown): GatewayError | undefined {
    if (isGatewayError(value)) return value
    if (typeof value === "object" && value !== null && "reason" in value && isGatewayError(value.reason)) return value.reason
    return undefined
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null): GatewayError => ({
  _tag: "InvalidRequest",
  message,
  param,
  code,
})
