import { toOpenAIError, type GatewayError } from "@harper-gateway/translate"

/**
 * What a static Resource method returns to Harper. A `body` string is sent as is, so
 * the gateway's JSON never goes through Harper's content negotiation (an odd Accept
 * header must not turn an OpenAI answer into CBOR).
 */
export interface HarperResponse {
  readonly status: number
  readonly headers: Record<string, string>
  /** Bytes are sent as they are too (Harper sets their Content-Length). */
  readonly body: string | Uint8Array | AsyncIterable<string>
}

export function jsonResponse(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): HarperResponse {
  return jsonTextResponse(status, JSON.stringify(value), headers)
}

/** JSON already written, as text or as UTF-8 bytes (the embeddings answer has its own writer). */
export function jsonTextResponse(status: number, json: string | Uint8Array, headers: Readonly<Record<string, string>> = {}): HarperResponse {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: json }
}

export function errorResponse(error: GatewayError, headers: Readonly<Record<string, string>> = {}): HarperResponse {
  const { status, body, headers: errorHeaders } = toOpenAIError(error)
  return jsonResponse(status, body, { ...headers, ...errorHeaders })
}
