import { Result, Schema } from "effect"
import type { EmbedResult, TokenUsage, VectorsAsJson } from "../model/types.ts"
import { EmbeddingsResponse } from "../wire/embeddings.ts"
import { base64ToFloat32 } from "./float32-base64.ts"
import { usageFromEmbeddingsUsage } from "./map-embeddings-usage.ts"

const decode = Schema.decodeUnknownResult(EmbeddingsResponse)
const utf8 = new TextDecoder()
const encoder = new TextEncoder()

/**
 * An upstream's OpenAI embeddings answer read from its bytes, without turning every
 * vector into JS numbers: each embedding is checked where it lies (a JSON number array
 * or a base64 string of whole float32s) and kept as the JSON text the client gets when it
 * asked the upstream's encoding (`asSentJson`): the very bytes when they already are what
 * `JSON.stringify` would write, else a copy written so (readFloats). Everything but `data` (object, model,
 * usage, extra fields) is parsed by `JSON.parse` and decoded by the same schema and usage
 * mapper as `fromEmbeddingsResponse`.
 *
 * Undefined for anything else (not JSON, an error object, a bad shape, a wrong count,
 * escapes in keys or vectors, duplicate keys in an item, mixed encodings): the caller then
 * reads the answer the usual way, so such a body gets exactly today's answer or error.
 */
export function readEmbeddingsAnswer(answer: Uint8Array, expectedCount: number): EmbedResult | undefined {
  // A plain view: a Node Buffer's own subarray costs several times more.
  const bytes = new Uint8Array(answer.buffer, answer.byteOffset, answer.byteLength)
  const top = readTop(bytes)
  if (top === undefined || top.items.length !== expectedCount) return undefined
  const ordered: (Item | undefined)[] = new Array(expectedCount)
  const encoding = top.items[0]?.encoding ?? "float"
  for (const item of top.items) {
    if (item.encoding !== encoding || !Number.isInteger(item.index) || item.index < 0 || item.index >= expectedCount || ordered[item.index] !== undefined) return undefined
    ordered[item.index] = item
  }
  const rest = restOf(bytes, top.members)
  if (rest === undefined) return undefined
  return embedResult(
    encoding,
    ordered.filter((item) => item !== undefined),
    rest,
  )
}

interface Item {
  readonly index: number
  readonly encoding: "float" | "base64"
  /** The embedding as the client's JSON: a number array or a quoted base64 string. */
  readonly json: Uint8Array
  /** The embedding as the upstream wrote it, which float32 vectors are read from (`1e400` is Infinity there, `null` in `json`). */
  readonly source: Uint8Array
}

/** A member of the top-level object other than `data`: where its `"key": value` lies. */
interface Span {
  readonly start: number
  readonly end: number
}

interface Top {
  readonly items: readonly Item[]
  readonly members: readonly Span[]
}

interface Rest {
  readonly usage: TokenUsage | undefined
  readonly model: string | undefined
}

function embedResult(encoding: "float" | "base64", items: readonly Item[], rest: Rest): EmbedResult {
  let vectors: readonly Float32Array[] | undefined
  const asSentJson: VectorsAsJson = { encoding, vectors: items.map((item) => item.json) }
  return {
    // Checked above, so decoding cannot fail; an empty vector would only stand for a bug.
    get vectors() {
      if (vectors === undefined) vectors = items.map((item) => vectorOf(encoding, item.source))
      return vectors
    },
    asSentJson,
    ...(rest.usage === undefined ? {} : { usage: rest.usage }),
    ...(rest.model === undefined ? {} : { model: rest.model }),
  }
}

function vectorOf(encoding: "float" | "base64", source: Uint8Array): Float32Array {
  switch (encoding) {
    case "float": {
      const values: unknown = JSON.parse(utf8.decode(source))
      return Array.isArray(values) ? Float32Array.from(values, Number) : new Float32Array()
    }
    case "base64":
      return base64ToFloat32(utf8.decode(source.subarray(1, source.length - 1))) ?? new Float32Array()
    default: {
      const never: never = encoding
      return never
    }
  }
}

/** `object`, `model`, `usage` and extra members, parsed as JSON.parse would (the last of a repeated key wins) and decoded by the answer's schema. */
function restOf(bytes: Uint8Array, members: readonly Span[]): Rest | undefined {
  const parts = members.map((member) => utf8.decode(bytes.subarray(member.start, member.end)))
  let parsed: unknown
  try {
    parsed = JSON.parse(`{${[...parts, '"data":[]'].join(",")}}`)
  } catch {
    return undefined
  }
  const decoded = decode(parsed, { errors: "first" })
  if (Result.isFailure(decoded)) return undefined
  const response = decoded.success
  return { usage: response.usage == null ? undefined : usageFromEmbeddingsUsage(response.usage), model: response.model }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const EQUALS = 0x3d
const LOWER_E = 0x65
const UPPER_E = 0x45

const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= ZERO && byte <= NINE
const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09

/** The standard base64 alphabet (no padding, no URL-safe `-` `_`). */
const BASE64_ALPHABET = new Uint8Array(256)
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") BASE64_ALPHABET[char.charCodeAt(0)] = 1

function skipSpace(bytes: Uint8Array, at: number): number {
  let i = at
  while (isSpace(bytes[i])) i++
  return i
}

/**
 * Walks one JSON object's members from its `{` at `at`: `member` reads each value (from its
 * first byte) and gives where it ends, or -1 to refuse it. Where the object ends, or -1
 * (not an object, empty, a key with escapes, or a member refused).
 */
function objectEnd(bytes: Uint8Array, at: number, member: (key: Uint8Array, keyStart: number, valueAt: number) => number): number {
  if (bytes[at] !== OPEN_BRACE) return -1
  let i = skipSpace(bytes, at + 1)
  if (bytes[i] === CLOSE_BRACE) return -1
  for (;;) {
    const start = i
    const keyEnd = plainKeyEnd(bytes, i)
    if (keyEnd < 0) return -1
    i = skipSpace(bytes, keyEnd)
    if (bytes[i] !== COLON) return -1
    const end = member(bytes.subarray(start, keyEnd), start, skipSpace(bytes, i + 1))
    if (end < 0) return -1
    i = skipSpace(bytes, end)
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1)
      continue
    }
    return bytes[i] === CLOSE_BRACE ? i + 1 : -1
  }
}

/** The top-level object: its `data` items read, every other member's span kept. Undefined unless it is one object and nothing after it. */
function readTop(bytes: Uint8Array): Top | undefined {
  const members: Span[] = []
  let items: Item[] | undefined
  const end = objectEnd(bytes, skipSpace(bytes, 0), (key, keyStart, at) => {
    if (isKey(key, "data")) {
      const data = items === undefined ? readData(bytes, at) : undefined
      if (data === undefined) return -1
      items = data.items
      return data.end
    }
    const valueAt = valueEnd(bytes, at)
    if (valueAt >= 0) members.push({ start: keyStart, end: valueAt })
    return valueAt
  })
  if (end < 0 || skipSpace(bytes, end) !== bytes.length || items === undefined) return undefined
  return { items, members }
}

function readData(bytes: Uint8Array, at: number): { readonly items: Item[]; readonly end: number } | undefined {
  if (bytes[at] !== OPEN_BRACKET) return undefined
  const items: Item[] = []
  let i = skipSpace(bytes, at + 1)
  if (bytes[i] === CLOSE_BRACKET) return { items, end: i + 1 }
  for (;;) {
    const item = readItem(bytes, i)
    if (item === undefined) return undefined
    items.push(item.item)
    i = skipSpace(bytes, item.end)
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1)
      continue
    }
    return bytes[i] === CLOSE_BRACKET ? { items, end: i + 1 } : undefined
  }
}

/** `{"object": "embedding", "index": n, "embedding": …}` in any order, with extra members checked as JSON. */
function readItem(bytes: Uint8Array, at: number): { readonly item: Item; readonly end: number } | undefined {
  let index: number | undefined
  let embedding: Embedding | undefined
  let object = false
  const end = objectEnd(bytes, at, (key, _keyStart, valueAt) => {
    if (isKey(key, "index")) {
      const numberAt = numberEnd(bytes, valueAt)
      if (index !== undefined || numberAt < 0) return -1
      index = Number(utf8.decode(bytes.subarray(valueAt, numberAt)))
      return numberAt
    }
    if (isKey(key, "embedding")) {
      const read = embedding === undefined ? readEmbedding(bytes, valueAt) : undefined
      if (read === undefined) return -1
      embedding = read.embedding
      return read.end
    }
    const memberEnd = valueEnd(bytes, valueAt)
    // `object` is a string when present; other members are anything JSON.
    const checked = memberEnd < 0 ? undefined : parsedOr(bytes.subarray(valueAt, memberEnd))
    if (checked === undefined) return -1
    if (isKey(key, "object")) {
      if (object || typeof checked.value !== "string") return -1
      object = true
    }
    return memberEnd
  })
  if (end < 0 || index === undefined || embedding === undefined) return undefined
  return { item: { index, ...embedding }, end }
}

function parsedOr(json: Uint8Array): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(json)) }
  } catch {
    return undefined
  }
}

type Embedding = Omit<Item, "index">

function readEmbedding(bytes: Uint8Array, at: number): { readonly embedding: Embedding; readonly end: number } | undefined {
  if (bytes[at] === QUOTE) {
    const end = base64End(bytes, at)
    if (end < 0) return undefined
    const text = bytes.subarray(at, end)
    return { embedding: { encoding: "base64", json: text, source: text }, end }
  }
  if (bytes[at] !== OPEN_BRACKET) return undefined
  const vector = readFloats(bytes, at)
  return vector === undefined ? undefined : { embedding: { encoding: "float", json: vector.json, source: bytes.subarray(at, vector.end) }, end: vector.end }
}

/**
 * A JSON array of numbers as `JSON.stringify(JSON.parse(text))` writes it, read in one
 * pass: the bytes themselves while every number is printed as JS prints it and nothing
 * is spaced; from the first difference on, a compact copy, a number printed otherwise
 * (`1e-05`, `1.50`, `-0`, `1e400`) printed by JS (`0.00001`, `1.5`, `0`, `null`). When
 * most are (17 digits, say), the array is parsed and printed by JS whole instead.
 */
function readFloats(bytes: Uint8Array, at: number): { readonly json: Uint8Array; readonly end: number } | undefined {
  // A number array has no other `]`: its end, so a copy can be sized and a parse bounded.
  const close = bytes.indexOf(CLOSE_BRACKET, at)
  if (close < 0) return undefined
  const size = close + 1 - at
  let out: Uint8Array | undefined
  let length = 0
  let numbers = 0
  let others = 0
  let i = at + 1
  for (;;) {
    let next = skipSpace(bytes, i)
    if (next !== i && out === undefined) {
      out = copyStart(bytes.subarray(at, i), size)
      length = i - at
    }
    i = next
    if (numbers > 0 || bytes[i] !== CLOSE_BRACKET) {
      const end = numberEnd(bytes, i)
      if (end < 0) return undefined
      numbers++
      if (!printedAsJs(bytes, i, end)) {
        others++
        if (others > 8 && others * 8 > numbers) return parsedWhole(bytes, at, close)
        if (out === undefined) {
          out = copyStart(bytes.subarray(at, i), size)
          length = i - at
        }
        // Room for this number printed and for the rest copied.
        out = grown(out, length + LONGEST_NUMBER + close + 1 - end)
        length = printInto(out, length, bytes.subarray(i, end))
      } else if (out !== undefined) {
        for (let k = i; k < end; k++) out[length++] = bytes[k] ?? 0
      }
      next = skipSpace(bytes, end)
      if (next !== end && out === undefined) {
        out = copyStart(bytes.subarray(at, end), size)
        length = end - at
      }
      i = next
    }
    const separator = bytes[i]
    if (separator !== COMMA && separator !== CLOSE_BRACKET) return undefined
    if (out !== undefined) out[length++] = separator
    i++
    if (separator === CLOSE_BRACKET) break
  }
  if (i !== close + 1) return undefined
  return { json: out === undefined ? bytes.subarray(at, i) : out.subarray(0, length), end: i }
}

/** JS prints a number in at most 24 characters (`-2.2250738585072014e-308`). */
const LONGEST_NUMBER = 24

/** A buffer of `size` bytes starting with `verbatim`: what was as JS prints it before the first difference. */
function copyStart(verbatim: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size)
  out.set(verbatim)
  return out
}

function grown(out: Uint8Array, needed: number): Uint8Array {
  if (needed <= out.length) return out
  const bigger = new Uint8Array(needed * 2)
  bigger.set(out)
  return bigger
}

/** The JSON number `token` as JS prints its value, written at `length`; the new length. */
function printInto(out: Uint8Array, length: number, token: Uint8Array): number {
  let text = ""
  for (const byte of token) text += String.fromCharCode(byte)
  const printed = JSON.stringify(Number(text))
  let at = length
  for (let k = 0; k < printed.length; k++) out[at++] = printed.charCodeAt(k)
  return at
}

/** The number array `bytes[at, close]` parsed and printed by JS; undefined unless it is one. */
function parsedWhole(bytes: Uint8Array, at: number, close: number): { readonly json: Uint8Array; readonly end: number } | undefined {
  const parsed = parsedOr(bytes.subarray(at, close + 1))
  if (parsed === undefined || !Array.isArray(parsed.value) || !parsed.value.every((value) => typeof value === "number")) return undefined
  return { json: encoder.encode(JSON.stringify(parsed.value)), end: close + 1 }
}

/**
 * Whether the JSON number `bytes[start, end)` is exactly what JS prints for its value,
 * so it can be copied: plain decimal (no exponent), no superfluous zero, not `-0`, at
 * most 15 significant digits (any such decimal is the shortest that reads back as its
 * double, so JS prints those very digits), and in the range JS prints without exponent
 * (below 1e21, at least 1e-6). Others are printed by JS, which is rarer and slower.
 */
function printedAsJs(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start
  const negative = bytes[i] === MINUS
  if (negative) i++
  if (bytes[i] === ZERO) {
    i++
    if (i === end) return !negative
    if (bytes[i] !== DOT) return false
    i++
    const fraction = i
    while (bytes[i] === ZERO) i++
    const zeros = i - fraction
    while (i < end && isDigit(bytes[i])) i++
    return i === end && zeros <= 5 && end - fraction - zeros <= 15 && end - fraction > zeros && bytes[end - 1] !== ZERO
  }
  const integer = i
  while (i < end && isDigit(bytes[i])) i++
  const integerDigits = i - integer
  if (integerDigits > 21) return false
  if (i === end) {
    let trailing = 0
    while (trailing < integerDigits && bytes[end - 1 - trailing] === ZERO) trailing++
    return integerDigits - trailing <= 15
  }
  if (bytes[i] !== DOT) return false
  i++
  const fraction = i
  while (i < end && isDigit(bytes[i])) i++
  return i === end && integerDigits + (end - fraction) <= 15 && bytes[end - 1] !== ZERO
}

/** The end of a JSON number at `at` (the grammar exactly), or -1. */
function numberEnd(bytes: Uint8Array, at: number): number {
  let i = at
  if (bytes[i] === MINUS) i++
  if (bytes[i] === ZERO) i++
  else if (isDigit(bytes[i])) while (isDigit(bytes[i])) i++
  else return -1
  if (bytes[i] === DOT) {
    i++
    if (!isDigit(bytes[i])) return -1
    while (isDigit(bytes[i])) i++
  }
  if (bytes[i] === LOWER_E || bytes[i] === UPPER_E) {
    i++
    if (bytes[i] === PLUS || bytes[i] === MINUS) i++
    if (!isDigit(bytes[i])) return -1
    while (isDigit(bytes[i])) i++
  }
  return i
}

/** The end (past the closing quote) of a string at `at` that is standard base64 of whole float32s, as `isFloat32Base64` defines it, or -1. */
function base64End(bytes: Uint8Array, at: number): number {
  let i = at + 1
  while (BASE64_ALPHABET[bytes[i] ?? 0] === 1) i++
  let padding = 0
  while (bytes[i] === EQUALS && padding < 2) {
    i++
    padding++
  }
  if (bytes[i] !== QUOTE) return -1
  const length = i - at - 1
  return length % 4 === 0 && ((length / 4) * 3 - padding) % 4 === 0 ? i + 1 : -1
}

/** The end of a key at `at` without escapes or control characters (past its quote), or -1: an escaped key is left to JSON.parse. */
function plainKeyEnd(bytes: Uint8Array, at: number): number {
  if (bytes[at] !== QUOTE) return -1
  let i = at + 1
  for (;;) {
    const byte = bytes[i]
    if (byte === undefined || byte === BACKSLASH || byte < 0x20) return -1
    if (byte === QUOTE) return i + 1
    i++
  }
}

/** Whether the quoted key `key` (no escapes) is `name`. */
function isKey(key: Uint8Array, name: string): boolean {
  if (key.length !== name.length + 2) return false
  for (let i = 0; i < name.length; i++) if (key[1 + i] !== name.charCodeAt(i)) return false
  return true
}

/**
 * Where the JSON value at `at` ends, found by its brackets and strings only; whether it
 * is JSON is then JSON.parse's to say. Iterative, so any depth costs no stack.
 */
function valueEnd(bytes: Uint8Array, at: number): number {
  const first = bytes[at]
  if (first === undefined) return -1
  if (first === QUOTE) return stringEnd(bytes, at)
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    let i = at
    while (i < bytes.length && !isSpace(bytes[i]) && bytes[i] !== COMMA && bytes[i] !== CLOSE_BRACE && bytes[i] !== CLOSE_BRACKET) i++
    return i === at ? -1 : i
  }
  let depth = 0
  let i = at
  while (i < bytes.length) {
    const byte = bytes[i]
    if (byte === QUOTE) {
      i = stringEnd(bytes, i)
      if (i < 0) return -1
      continue
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++
    else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--
      if (depth === 0) return i + 1
    }
    i++
  }
  return -1
}

function stringEnd(bytes: Uint8Array, at: number): number {
  let i = at + 1
  while (i < bytes.length) {
    const byte = bytes[i]
    if (byte === BACKSLASH) i += 2
    else if (byte === QUOTE) return i + 1
    else i++
  }
  return -1
}
