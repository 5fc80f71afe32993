import type { GatewayError } from "../errors/gateway-error.ts"
import { invalidRequest } from "../errors/gateway-error.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { formatParamPath } from "./schema-issue-to-error.ts"

declare global {
  interface JSON {
    /** ES2026 (JSON.parse source text access; Node 21+): a value JSON.stringify writes as `text`, verbatim. */
    rawJSON(text: string): BigIntegerText
    isRawJSON(value: unknown): boolean
    parse(text: string, reviver: (this: unknown, key: string, value: unknown, context: { readonly source?: string }) => unknown): unknown
  }
}

/**
 * An integer written beyond 2^53 (`123456789012345678901`): a JSON number no double
 * holds exactly. It is kept as the client's own digits, a frozen `JSON.rawJSON` value
 * that JSON.stringify writes back verbatim, so free-form JSON (tool schemas, tool
 * arguments) reaches the upstream intact; a typed field refuses it, since it is not a
 * JS number. Never a BigInt, which JSON.stringify cannot write.
 */
export interface BigIntegerText {
  readonly rawJSON: string
}

export function isBigIntegerText(value: unknown): value is BigIntegerText {
  return typeof value === "object" && value !== null && JSON.isRawJSON(value)
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true })
const integerText = /^-?\d+$/

/** JSON.parse that keeps integers beyond 2^53 as their digits (see BigIntegerText). */
export function parseJsonLossless(text: string): unknown {
  // A reviver makes JSON.parse several times slower; an integer beyond 2^53 has at least 16 digits, at the start or after `[`, `,` or `:`.
  if (!/(?:^|[[,:])\s*-?\d{16}/.test(text)) return JSON.parse(text)
  return JSON.parse(text, (_key, value, context) => (typeof value === "number" && !Number.isSafeInteger(value) && context.source !== undefined && integerText.test(context.source) ? JSON.rawJSON(context.source) : value))
}

/**
 * A request body's bytes to its JSON value. Bytes that are not UTF-8 are refused
 * (replacing them would change the client's text unseen), and so is a string or key
 * holding a lone UTF-16 surrogate (`"\ud800"`: no Unicode character, which providers
 * refuse or mangle), with the path of the first one in `param`.
 */
export function parseRequestJson(body: Uint8Array): Outcome<unknown> {
  let text: string
  try {
    text = fatalUtf8.decode(body)
  } catch {
    return fail(invalidRequest("The request body is not valid UTF-8: send JSON encoded as UTF-8.", null, "invalid_encoding"))
  }
  let value: unknown
  try {
    value = parseJsonLossless(text)
  } catch {
    return fail(invalidRequest("We could not parse the JSON body of your request.", null, "invalid_json"))
  }
  // Decoded UTF-8 holds no lone surrogate: only a `\u` escape can write one.
  if (!text.includes("\\u") || !/\\u[dD][89a-fA-F]/.test(text)) return succeed(value)
  const path = loneSurrogatePath(value, [])
  return path === undefined ? succeed(value) : fail(loneSurrogate(path))
}

function loneSurrogate(path: ReadonlyArray<PropertyKey>): GatewayError {
  const param = formatParamPath(path)
  return invalidRequest(`Invalid value for '${param ?? "body"}': the text holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not a Unicode character.`, param, "invalid_value")
}

/** The path of the first string (or the object holding the first key) that is not well-formed UTF-16. */
function loneSurrogatePath(value: unknown, path: ReadonlyArray<PropertyKey>): ReadonlyArray<PropertyKey> | undefined {
  if (typeof value === "string") return value.isWellFormed() ? undefined : path
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = loneSurrogatePath(item, [...path, index])
      if (found !== undefined) return found
    }
    return undefined
  }
  if (typeof value !== "object" || value === null || isBigIntegerText(value)) return undefined
  for (const [key, item] of Object.entries(value)) {
    if (!key.isWellFormed()) return path
    const found = loneSurrogatePath(item, [...path, key])
    if (found !== undefined) return found
  }
  return undefined
}

/** A value another JSON reader gave with BigInts (Harper's own does, beyond 15 digits) with each one as its digits instead. */
export function bigIntsAsText(value: unknown): unknown {
  if (typeof value === "bigint") return JSON.rawJSON(value.toString())
  if (Array.isArray(value)) return value.some(holdsBigInt) ? value.map(bigIntsAsText) : value
  if (typeof value !== "object" || value === null || !holdsBigInt(value)) return value
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, bigIntsAsText(item)]))
}

function holdsBigInt(value: unknown): boolean {
  if (typeof value === "bigint") return true
  if (typeof value !== "object" || value === null || isBigIntegerText(value)) return false
  return Object.values(value).some(holdsBigInt)
}
