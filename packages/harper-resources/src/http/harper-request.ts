import { Schema } from "effect"

/**
 * The parts of Harper 4.7's request object the gateway uses. Harper's own typings are
 * loose (and `_nodeResponse` is private there), so these are declared structurally and
 * checked where they enter.
 */
export interface HarperHeaders {
  get(name: string): string | null | undefined
  set(name: string, value: string): void
  delete(name: string): void
}

interface NodeResponseLike {
  once(event: "close", listener: () => void): unknown
  readonly writableFinished: boolean
}

export interface HarperRequest {
  readonly method: string
  readonly pathname: string
  readonly headers: HarperHeaders
  readonly user?: unknown
  readonly data?: unknown
  readonly _nodeResponse?: NodeResponseLike
  /** Set by the gateway's runFirst hook: a non-JWT bearer credential moved out of Authorization. */
  gatewayKey?: string
  /** Set by the gateway's runFirst hook: the Authorization header was present but not understood. */
  gatewayAuthMalformed?: boolean
  /**
   * Set by the gateway's runFirst hook on a /v1 POST: the client's Content-Type (null when
   * absent), moved aside so that Harper hands the body over as bytes for the gateway to parse.
   */
  gatewayContentType?: string | null
  /** Set with gatewayContentType: the gateway's body limit, checked again on the bytes (a chunked body has no Content-Length to refuse up front). */
  gatewayMaxBodyBytes?: number
}

const HarperUser = Schema.Struct({
  username: Schema.String,
  active: Schema.optionalKey(Schema.Boolean),
  role: Schema.optionalKey(
    Schema.NullOr(
      Schema.Struct({
        role: Schema.optionalKey(Schema.String),
        permission: Schema.optionalKey(Schema.NullOr(Schema.Struct({ super_user: Schema.optionalKey(Schema.Boolean) }))),
      }),
    ),
  ),
})
export const isHarperUser = Schema.is(HarperUser)

/** The request's query parameters (Harper's request carries the raw `url`, path and query). */
export function queryOf(request: HarperRequest): URLSearchParams {
  const url: unknown = Reflect.get(request, "url")
  return new URL(typeof url === "string" ? url : "/", "http://gateway").searchParams
}

/** A string attribute of the user record (e.g. the configured tenant attribute). */
export function userAttribute(user: unknown, attribute: string): string | undefined {
  if (typeof user !== "object" || user === null || !(attribute in user)) return undefined
  const value: unknown = Reflect.get(user, attribute)
  return typeof value === "string" && value !== "" ? value : undefined
}
