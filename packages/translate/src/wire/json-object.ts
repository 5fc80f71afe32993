import type { GatewayError } from "../errors/gateway-error.ts"
import { parseJsonLossless } from "./parse-request-json.ts"

/** The JSON object `text` holds, or undefined when it holds anything else (or is not JSON). Integers beyond 2^53 keep their digits. */
export function jsonObjectOf(text: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const value: unknown = parseJsonLossless(text)
    return typeof value === "object" && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : undefined
  } catch {
    return undefined
  }
}

/** Tool-call arguments (the model's JSON text) as the object a provider takes: empty text is a call without arguments. */
export function toolArgumentsObject(text: string): Readonly<Record<string, unknown>> | undefined {
  return text.trim() === "" ? {} : jsonObjectOf(text)
}

/** A request field a provider cannot take: a 400 naming it. */
export function unsupportedByProvider(param: string, message: string): GatewayError {
  return { _tag: "InvalidRequest", message, param, code: "unsupported_parameter" }
}
