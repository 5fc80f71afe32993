import { isBigIntegerText } from "@harper-gateway/translate"

/**
 * Harper's storage keeps a `JSON.rawJSON` value (an integer beyond 2^53, as the client
 * wrote it) as a plain `{"rawJSON": …}` object, which would come back as that object,
 * not a number. Stored rows hold it as `{"$gatewayBigInteger": "<digits>"}` instead,
 * and reads turn that back into the digits. A client's own key of that name (or one of
 * its escapes, `$` repeated) is stored with one more `$` and read back with one less,
 * so the marker is never the client's and every value comes back as it was sent.
 */
const MARK = "$gatewayBigInteger"
/** The marker's name and its escapes: `$gatewayBigInteger`, `$$gatewayBigInteger`, … */
const MARK_OR_ESCAPE = /^\$+gatewayBigInteger$/
const ESCAPED = /^\$\$+gatewayBigInteger$/

/** A value as plain JSON to store, its big integers marked. */
export function toStoredJson(value: unknown): unknown {
  if (value === undefined) return value
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (isBigIntegerText(item) ? { [MARK]: item.rawJSON } : renamedKeys(item, MARK_OR_ESCAPE, (key) => `$${key}`))))
}

/** A stored row as plain JSON (Harper's record objects answer JSON.stringify but not own-key reads), its marked big integers restored. */
export function fromStoredJson(row: unknown): unknown {
  if (row === undefined || row === null) return row
  return JSON.parse(JSON.stringify(row), (_key, item: unknown) => (isMarked(item) ? JSON.rawJSON(item[MARK]) : renamedKeys(item, ESCAPED, (key) => key.slice(1))))
}

/** An object with the keys that match renamed (same order), or the value itself when none does. */
function renamedKeys(value: unknown, match: RegExp, rename: (key: string) => string): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value
  const entries = Object.entries(value)
  if (!entries.some(([key]) => match.test(key))) return value
  // fromEntries defines own properties: a client's `__proto__` key stays a key.
  return Object.fromEntries(entries.map(([key, member]) => [match.test(key) ? rename(key) : key, member]))
}

function isMarked(value: unknown): value is { readonly [MARK]: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
  const keys = Object.keys(value)
  const digits: unknown = Reflect.get(value, MARK)
  return keys.length === 1 && typeof digits === "string" && /^-?\d+$/.test(digits)
}
