import { describeThrown, GatewayFailure, type GatewayError } from "@harper-gateway/translate"

/**
 * An exception from the HTTP client as a reason: undici's own timeouts map to the
 * phase they measure, refusals and resets to an unavailable upstream, an abort to a
 * cancellation. Anything already a GatewayFailure passes through. A throw with no network
 * code at all is not the HTTP client's: it is the gateway's own (Internal), which is never
 * retried nor counted against the deployment.
 */
export function upstreamFailure(error: unknown, signal: AbortSignal): GatewayFailure {
  const known = GatewayFailure.reasonOf(error)
  if (known !== undefined) return new GatewayFailure(known, GatewayFailure.detailOf(error))
  if (signal.aborted) return new GatewayFailure({ _tag: "Cancelled" })
  return new GatewayFailure(reasonOf(error))
}

function reasonOf(error: unknown): GatewayError {
  const code = errorCode(error)
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return { _tag: "UpstreamTimeout", phase: "connect" }
    case "UND_ERR_HEADERS_TIMEOUT":
      return { _tag: "UpstreamTimeout", phase: "first_byte" }
    case "UND_ERR_BODY_TIMEOUT":
      return { _tag: "UpstreamTimeout", phase: "idle" }
    case "ECONNREFUSED":
    case "ECONNRESET":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EHOSTUNREACH":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return { _tag: "UpstreamUnavailable" }
    case undefined:
      return { _tag: "Internal", detail: describeThrown(error, { stack: true }) }
    default:
      return { _tag: "UpstreamError", code: "upstream_transport_error", detail: describeThrown(error) }
  }
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth++) {
    if (typeof current !== "object" || current === null) return undefined
    if ("code" in current && typeof current.code === "string") return current.code
    current = "cause" in current ? current.cause : undefined
  }
  return undefined
}
