import { GatewayFailure, type GatewayError } from "@harper-gateway/translate"
import type { AnswerHeaders } from "./call-types.ts"

/**
 * A call that ended without an answer: its reason, and the headers its answer still
 * carries (the limits that refused it, the attempts it made). A GatewayFailure, so any
 * caller that maps failures maps this one.
 */
export class CallFailure extends GatewayFailure {
  readonly headers: AnswerHeaders
  constructor(reason: GatewayError, headers: AnswerHeaders, detail?: string) {
    super(reason, detail)
    this.name = "CallFailure"
    this.headers = headers
  }

  /** The answer headers a thrown value carries (none unless it is a CallFailure). */
  static headersOf(error: unknown): AnswerHeaders {
    return error instanceof CallFailure ? error.headers : {}
  }
}
