import type { HarperRequest } from "./harper-request.ts"

/**
 * Harper 4.x has no `request.signal` (`isAborted` is always false), so the gateway
 * derives one: the Node response's `close` before it finished writing means the
 * client went away, and the upstream request must stop at once.
 */
export function abortSignalOf(request: HarperRequest): AbortSignal {
  const controller = new AbortController()
  const response = request._nodeResponse
  response?.once("close", () => {
    if (!response.writableFinished) controller.abort()
  })
  return controller.signal
}
