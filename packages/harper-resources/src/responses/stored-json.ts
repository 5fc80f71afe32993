import { isBigIntegerText } from "@harper-gateway/translate"

/**
 * Harper's storage keeps a `JSON.rawJSON` value (an integer beyond 2^53, as the client
 * wrote it) as a plain `{"rawJSON": …}` object, which would come back as that object,
 * not a number. Stored rows hold it as `{"$gatewayBigInteger": "<digits>"}` instead,
 * and reads turn that back into the digits.
 */
const MARK = "$gatewayBigInteger"

/** A value as plain JSON to store, its big integers marked. */
export function toStoredJson(value: unknown): unknown {
  if (value === undefined) return value
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (isBigIntegerText(item) ? { [MARK]: item.rawJSON } : item)))
}

/** A stored row as plain JSON (Harper's record objects answer JSON.stringify but not own-key reads), its marked big integers restored. */
export function fromStoredJson(row: unknown): unknown {
  if (row === undefined || row === null) return row
  return JSON.parse(JSON.stringify(row), (_key, item: unknown) => (isMarked(item) ? JSON.rawJSON(item[MARK]) : item))
}

function isMarked(value: unknown): value is { readonly [MARK]: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
  const keys = Object.keys(value)
  const digits: unknown = Reflect.get(value, MARK)
  return keys.length === 1 && typeof digits === "string" && /^-?\d+$/.test(digits)
}
