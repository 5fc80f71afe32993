import { toOpenAIError, type GatewayError } from "@harper-gateway/translate"
import type { HarperRequest } from "./harper-request.ts"
import { KEY_PREFIX } from "../auth/gateway-keys.ts"

/** 2,048 embedding inputs or a few data-URL images fit well below this. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024

/** Routes the gateway serves, and their methods (for a 405 rather than Harper's bare 404). */
const V1_ROUTES: readonly { readonly pattern: RegExp; readonly methods: readonly string[] }[] = [
  { pattern: /^\/v1\/chat\/completions\/?$/, methods: ["POST"] },
  { pattern: /^\/v1\/completions\/?$/, methods: ["POST"] },
  { pattern: /^\/v1\/embeddings\/?$/, methods: ["POST"] },
  { pattern: /^\/v1\/models(?:\/.*)?$/, methods: ["GET"] },
  { pattern: /^\/v1\/gateway\/usage\/?$/, methods: ["GET"] },
  { pattern: /^\/v1\/responses\/?$/, methods: ["POST"] },
  { pattern: /^\/v1\/responses\/[^/]+\/?$/, methods: ["GET", "DELETE"] },
  { pattern: /^\/v1\/responses\/[^/]+\/input_items\/?$/, methods: ["GET"] },
  { pattern: /^\/v1\/responses\/[^/]+\/cancel\/?$/, methods: ["POST"] },
]

export interface ResponseLike {
  readonly status?: unknown
  readonly headers?: unknown
  readonly body?: unknown
}

/**
 * Runs before Harper's own authentication on every request (a `runFirst` HTTP hook):
 * - Harper 401s any `Bearer` that is not one of its JWTs before plugin code runs, so a
 *   non-JWT bearer on /v1 is moved aside for the gateway to check as an API key;
 * - every answer under /v1 that is not already OpenAI-shaped JSON (Harper's own 401
 *   `{"error":"Login failed"}`, its text 404 for unknown paths, wrong methods) is
 *   replaced by an OpenAI error with the same meaning.
 */
export async function guardV1<R extends ResponseLike>(
  request: HarperRequest,
  next: (request: HarperRequest) => R | undefined | Promise<R | undefined>,
  maxBodyBytes: number = DEFAULT_MAX_BODY_BYTES,
): Promise<R | undefined | { status: number; headers: Record<string, string>; body: string }> {
  const route = routeOf(request.pathname)
  if (route === undefined) {
    // Unknown paths under any spelling of /v1 (case, doubled slashes, %2F) are ours to refuse, before Harper's auth answers in its own shape.
    return isV1Spelling(request.pathname) ? openAIError(404, request) : next(request)
  }
  // Refused before a byte of the body is read or parsed.
  const length = Number(request.headers.get("content-length") ?? 0)
  if (length > maxBodyBytes) {
    const { status, body, headers } = toOpenAIError({ _tag: "PayloadTooLarge", limitBytes: maxBodyBytes })
    return { status, headers: { "Content-Type": "application/json", connection: "close", ...headers }, body: JSON.stringify(body) }
  }
  if (request.method === "POST" && route.methods.includes("POST")) takeBodyAsBytes(request, maxBodyBytes)
  const authorization = request.headers.get("authorization")
  if (authorization != null) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (bearer?.[1] !== undefined && !isHarperJwt(bearer[1])) {
      request.gatewayKey = bearer[1]
      request.headers.delete("authorization")
    } else if (bearer === null && !/^Basic\s+\S+\s*$/i.test(authorization)) {
      request.gatewayAuthMalformed = true
      request.headers.delete("authorization")
    }
  }
  const response = await next(request)
  if (response === undefined) return openAIError(404, request)
  const status = typeof response.status === "number" ? response.status : 200
  // Harper marks "no layer answered" with status -1 and would then write a text "Not found".
  if (status < 100) return openAIError(404, request)
  if (status < 400 || isOpenAIError(response)) return response
  return openAIError(status, request)
}

/**
 * Harper's JSON reader turns integers beyond 2^53 into BigInts (which nothing can
 * serialise again) and invalid UTF-8 into U+FFFD unseen; as application/octet-stream it
 * hands over the bytes, which readJsonBody parses (parseRequestJson). The client's own
 * Content-Type is kept for readJsonBody to check.
 */
function takeBodyAsBytes(request: HarperRequest, maxBodyBytes: number): void {
  request.gatewayContentType = request.headers.get("content-type") ?? null
  request.gatewayMaxBodyBytes = maxBodyBytes
  request.headers.set("content-type", "application/octet-stream")
}

function routeOf(pathname: string): (typeof V1_ROUTES)[number] | undefined {
  return V1_ROUTES.find((candidate) => candidate.pattern.test(pathname))
}

/** `/V1/models`, `//v1/models`, `/v1%2Fmodels`, `/%76%31/x`: what a client or attacker may send for /v1. */
function isV1Spelling(pathname: string): boolean {
  const decoded = pathname.replace(/%[0-9a-f]{2}/gi, (encoded) => String.fromCharCode(Number.parseInt(encoded.slice(1), 16)))
  return /^\/v1(?:\/|$)/i.test(decoded.replace(/[/\\]+/g, "/"))
}

function openAIError(status: number, request: HarperRequest) {
  const { status: code, body, headers } = toOpenAIError(reasonFor(status, request))
  return { status: code, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) }
}

/** Harper JWTs are three base64url segments starting with `eyJ`; gateway keys never are. */
function isHarperJwt(token: string): boolean {
  return !token.startsWith(KEY_PREFIX) && /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token)
}

function reasonFor(status: number, request: HarperRequest): GatewayError {
  const route = routeOf(request.pathname)
  // A wrong method reaches Harper's default handlers, which answer 401/403/404/405 by their own rules: it is a 405.
  if (route !== undefined && !route.methods.includes(request.method)) {
    return { _tag: "MethodNotAllowed", method: request.method, path: request.pathname, allowed: route.methods }
  }
  if (status === 401) return { _tag: "Authentication", kind: "invalid" }
  if (status === 403) return { _tag: "PermissionDenied" }
  if (status === 413) return { _tag: "PayloadTooLarge", limitBytes: DEFAULT_MAX_BODY_BYTES }
  if (status === 404 || status === 405) return { _tag: "NotFound", method: request.method, path: request.pathname }
  if (status === 503) return { _tag: "UpstreamUnavailable" }
  if (status >= 500) return { _tag: "Internal" }
  return { _tag: "InvalidRequest", message: `The request was rejected (HTTP ${status}).`, param: null, code: null }
}

/** The gateway's own error bodies are JSON strings that start with the envelope; Harper's are not. */
function isOpenAIError(response: ResponseLike): boolean {
  const body = "body" in response ? response.body : undefined
  return typeof body === "string" && body.startsWith('{"error":{"message":') && /json/i.test(headerValue(response.headers, "content-type") ?? "")
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== "object" || headers === null) return undefined
  if ("get" in headers && typeof headers.get === "function") {
    const value: unknown = headers.get(name)
    return typeof value === "string" ? value : undefined
  }
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name && typeof value === "string") return value
  return undefined
}
