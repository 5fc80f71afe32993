/**
 * The gateway's handlers as Harper resources: classes whose static methods are the
 * handlers, exported over REST only.
 */
import { Resource } from "harperdb"
import type { HarperRequest } from "../http/harper-request.ts"
import type { HarperResponse } from "../http/respond.ts"

/** REST only: no MQTT, WebSocket, GraphQL or MCP exposure of the gateway resources. */
export const REST_ONLY = { rest: true, mqtt: false, ws: false, sse: false, graphql: false, mcp: false } as const

export interface StaticHandlers {
  readonly get?: (target: unknown, request: HarperRequest) => Promise<HarperResponse>
  readonly delete?: (target: unknown, request: HarperRequest) => Promise<HarperResponse>
  readonly post?: (target: unknown, data: unknown, request: HarperRequest) => Promise<HarperResponse>
  readonly connect?: (target: unknown, incoming: unknown, request: HarperRequest) => Promise<HarperResponse>
}

/**
 * A Resource whose static methods are the gateway's handlers. Overriding the statics
 * takes Harper's raw arguments (body as a promise, unparsed target) and skips its
 * transaction and permission wrapper: the handlers authenticate themselves.
 */
export function resource(name: string, handlers: StaticHandlers): typeof Resource {
  const named = { [name]: class extends Resource {} }[name] ?? class extends Resource {}
  for (const [method, handler] of Object.entries(handlers)) Object.defineProperty(named, method, { value: handler, writable: true, configurable: true })
  return named
}

/** A super users' endpoint under /gateway/…: GET, POST and DELETE go to one handler with the path after the resource. */
export function adminResource(name: string, handle: (request: HarperRequest, pathname: string, data: unknown) => Promise<HarperResponse>): typeof Resource {
  return resource(name, {
    get: (target, request) => handle(request, pathnameOf(target), undefined),
    post: (target, data, request) => handle(request, pathnameOf(target), data),
    delete: (target, request) => handle(request, pathnameOf(target), undefined),
  })
}

/** Static overrides get the raw RequestTarget, whose id is not parsed: `/gpt-4o` for /v1/models/gpt-4o. */
export function pathnameOf(target: unknown): string {
  const pathname: unknown = typeof target === "object" && target !== null ? Reflect.get(target, "pathname") : undefined
  return typeof pathname === "string" ? pathname : ""
}
