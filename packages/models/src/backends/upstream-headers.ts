/**
 * The one allow-list of an upstream answer's headers a client may read, and the names it
 * reads them by. Nothing else an upstream sends reaches a client (a proxy's `server`,
 * `via`, cookies or hosts never do).
 */

/** Kept upstream headers, under the names a client gets them by (lowercase). */
export type UpstreamHeaders = Readonly<Record<string, string>>

export interface UpstreamHeaderPolicy {
  /** `openai-organization` names the operator's OpenAI organization: passed only when the model's config opts in. */
  readonly exposeOrganization: boolean
}

const UPSTREAM_REQUEST_ID_HEADER = "x-upstream-request-id"
const RATE_LIMIT_PREFIX = "x-ratelimit-"
const UPSTREAM_RATE_LIMIT_PREFIX = "x-upstream-ratelimit-"
/** Longer values are dropped, not cut: a cut id or count would be wrong. */
const MAX_UPSTREAM_HEADER_LENGTH = 256
/** OpenAI sends six; a bound so an upstream cannot make every answer carry hundreds. */
const MAX_RATE_LIMIT_HEADERS = 16
// `x-ratelimit-` and a short name of OpenAI's form (`limit-requests`, `reset-tokens`, ...).
const RATE_LIMIT_NAME = /^x-ratelimit-[a-z0-9-]{1,48}$/
// Printable ASCII only: no control characters (no CR/LF), nothing a client's header parser could choke on.
const PRINTABLE = /^[\x20-\x7e]+$/

/** The name a client reads an upstream header by, or undefined: not passed. */
function clientName(name: string, policy: UpstreamHeaderPolicy): string | undefined {
  switch (name) {
    case "openai-processing-ms":
    case "openai-version":
      return name
    case "openai-organization":
      return policy.exposeOrganization ? name : undefined
    // OpenAI's, and Anthropic's own name for it: kept beside the gateway's own x-request-id.
    case "x-request-id":
    case "request-id":
      return UPSTREAM_REQUEST_ID_HEADER
    default:
      return RATE_LIMIT_NAME.test(name) ? name : undefined
  }
}

/** An upstream answer's headers (as undici gives them) through the allow-list; the first of a repeated header. */
export function keptUpstreamHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>, policy: UpstreamHeaderPolicy): UpstreamHeaders {
  const kept: Record<string, string> = {}
  let rateLimits = 0
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = clientName(rawName.toLowerCase(), policy)
    const value = typeof rawValue === "string" ? rawValue : rawValue?.[0]
    if (name === undefined || value === undefined || value.length > MAX_UPSTREAM_HEADER_LENGTH || !PRINTABLE.test(value) || name in kept) continue
    if (name.startsWith(RATE_LIMIT_PREFIX) && ++rateLimits > MAX_RATE_LIMIT_HEADERS) continue
    kept[name] = value
  }
  return kept
}

/**
 * An answer's headers: the gateway's own and the upstream's kept ones. The gateway's win
 * any conflict, and when the gateway sets any `x-ratelimit-*` of its own (a limit applies
 * to the call), the upstream's are renamed `x-upstream-ratelimit-*`, so a client never
 * reads a mix of two limits under one prefix.
 */
export function withUpstreamHeaders(gateway: Readonly<Record<string, string>>, upstream: UpstreamHeaders | undefined): Readonly<Record<string, string>> {
  if (upstream === undefined || Object.keys(upstream).length === 0) return gateway
  const gatewayLimits = Object.keys(gateway).some((name) => name.toLowerCase().startsWith(RATE_LIMIT_PREFIX))
  const renamed: Record<string, string> = {}
  for (const [name, value] of Object.entries(upstream)) {
    renamed[gatewayLimits && name.startsWith(RATE_LIMIT_PREFIX) ? UPSTREAM_RATE_LIMIT_PREFIX + name.slice(RATE_LIMIT_PREFIX.length) : name] = value
  }
  const gatewayNames = new Set(Object.keys(gateway).map((name) => name.toLowerCase()))
  return { ...Object.fromEntries(Object.entries(renamed).filter(([name]) => !gatewayNames.has(name))), ...gateway }
}
