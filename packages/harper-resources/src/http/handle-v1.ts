import { CallFailure } from "@harper-gateway/models"
import { bigIntsAsText, GatewayFailure, parseRequestJson, type GatewayError } from "@harper-gateway/translate"
import { authenticate } from "../auth/authenticate.ts"
import type { Principal } from "../auth/principal.ts"
import type { Gateway } from "./gateway.ts"
import type { HarperRequest } from "./harper-request.ts"
import { errorResponse, type HarperResponse } from "./respond.ts"

/**
 * The frame around every /v1 handler: authenticate and authorise first (before the
 * body is read), run the handler, add the hooks' headers, and turn anything thrown
 * into an OpenAI error — an internal one without its message — with the headers a
 * failed call carries (CallFailure). An answer that reached no model's limits gets the
 * caller's own `x-ratelimit-*`.
 */
export async function handleV1(gateway: Pick<Gateway, "auth" | "headerHooks" | "logError" | "limitHeaders">, request: HarperRequest, endpoint: string, handler: (principal: Principal) => Promise<HarperResponse>): Promise<HarperResponse> {
  const auth = await authenticate(request, gateway.auth.settings, gateway.auth.deps).catch((error: unknown): { ok: false; error: GatewayError } => {
    gateway.logError("gateway authentication failed", error)
    // A store that cannot answer is a 503 the client may retry, never a 401 that says its key is wrong.
    return { ok: false, error: GatewayFailure.reasonOf(error) ?? { _tag: "Internal" } }
  })
  if (!auth.ok) return errorResponse(auth.error)
  let response: HarperResponse
  try {
    response = await handler(auth.principal)
  } catch (error) {
    const reason = GatewayFailure.reasonOf(error)
    if (reason === undefined || reason._tag === "Internal") gateway.logError(`gateway ${endpoint} failed`, reason?._tag === "Internal" ? reason.detail : error)
    response = errorResponse(reason ?? { _tag: "Internal" })
    Object.assign(response.headers, CallFailure.headersOf(error))
  }
  for (const hook of gateway.headerHooks) Object.assign(response.headers, hook(auth.principal, endpoint))
  if (!Object.keys(response.headers).some(isCallHeader) && gateway.limitHeaders !== undefined) {
    Object.assign(
      response.headers,
      await gateway.limitHeaders(auth.principal).catch((error: unknown) => {
        gateway.logError("gateway limit headers failed", error)
        return {}
      }),
    )
  }
  return response
}

/** A header only a call that reached a model's limits or attempts sets. */
function isCallHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return lower.startsWith("x-ratelimit-") || lower === "x-gateway-attempts"
}

/**
 * Harper hands static methods the body as a promise: the bytes on /v1 POSTs (see
 * guardV1), parsed here by the gateway's own rules (parseRequestJson); elsewhere
 * the value Harper parsed, its BigInts turned into their digits. Malformed JSON rejects it.
 */
export async function readJsonBody(request: HarperRequest, data: unknown): Promise<{ ok: true; body: unknown } | { ok: false; error: GatewayError }> {
  const contentType = request.gatewayContentType !== undefined ? request.gatewayContentType : (request.headers.get("content-type") ?? null)
  if (contentType === null || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    return { ok: false, error: { _tag: "UnsupportedMediaType", contentType } }
  }
  try {
    const body: unknown = await data
    if (!(body instanceof Uint8Array)) return { ok: true, body: bigIntsAsText(body) }
    const limit = request.gatewayMaxBodyBytes
    if (limit !== undefined && body.byteLength > limit) return { ok: false, error: { _tag: "PayloadTooLarge", limitBytes: limit } }
    const parsed = parseRequestJson(body)
    return parsed.ok ? { ok: true, body: parsed.value } : { ok: false, error: parsed.error }
  } catch (error) {
    // Harper's own reader stops at http.maxRequestBodySize (a body sent without Content-Length gets past the guard's check).
    const tooLarge = harperBodyLimit(error)
    if (tooLarge !== undefined) return { ok: false, error: { _tag: "PayloadTooLarge", limitBytes: tooLarge } }
    return { ok: false, error: { _tag: "InvalidRequest", message: "We could not parse the JSON body of your request.", param: null, code: "invalid_json" } }
  }
}

/** The limit named by Harper's 413 ClientError ("Request body too large, maximum size is N bytes"), if that is what this is. */
function harperBodyLimit(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined
  const status: unknown = Reflect.get(error, "statusCode") ?? Reflect.get(error, "status")
  if (status !== 413) return undefined
  const message: unknown = Reflect.get(error, "message")
  const limit = typeof message === "string" ? Number(/(\d+) bytes/.exec(message)?.[1]) : Number.NaN
  return Number.isFinite(limit) ? limit : 0
}
