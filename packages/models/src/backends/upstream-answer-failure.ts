import { GatewayFailure } from "@harper-gateway/translate"
import type { UpstreamHeaders } from "./upstream-headers.ts"

/**
 * A failure after an upstream's answer headers arrived (an error answer, a 2xx error
 * object, a stream that failed before its first chunk): its reason and detail, and the
 * headers the allow-list kept, which the client still gets with its error.
 */
export class UpstreamAnswerFailure extends GatewayFailure {
  readonly upstreamHeaders: UpstreamHeaders
  constructor(failure: GatewayFailure, upstreamHeaders: UpstreamHeaders) {
    super(failure.reason, failure.detail)
    this.name = "UpstreamAnswerFailure"
    this.upstreamHeaders = upstreamHeaders
  }

  /** The kept upstream headers a thrown value carries (none unless it is an UpstreamAnswerFailure). */
  static headersOf(error: unknown): UpstreamHeaders | undefined {
    return error instanceof UpstreamAnswerFailure ? error.upstreamHeaders : undefined
  }
}
