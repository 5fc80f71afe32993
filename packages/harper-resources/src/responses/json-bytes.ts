/**
 * A value's size as JSON text, in UTF-8 bytes, without writing the text: the history
 * bound measures every stored item of a conversation, and a copy per item is what it
 * guards against. Escapes are not counted (so it never exceeds the written size), and
 * what JSON leaves out (undefined, functions) counts nothing; NaN and Infinity count as
 * the `null` JSON writes for them.
 */
export function jsonBytes(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8") + 2
  if (typeof value === "number") return Number.isFinite(value) ? String(value).length : 4
  if (typeof value === "boolean") return value ? 4 : 5
  if (value === null) return 4
  if (Array.isArray(value)) return arrayBytes(value)
  if (typeof value === "object") return objectBytes(value)
  // undefined, functions, symbols (and bigints, which JSON cannot write): left out.
  return 0
}

function arrayBytes(values: readonly unknown[]): number {
  let bytes = 2 + Math.max(0, values.length - 1)
  // An element JSON leaves out is written as null.
  for (const element of values) bytes += jsonBytes(element) || 4
  return bytes
}

function objectBytes(value: object): number {
  let bytes = 2
  let members = 0
  for (const [key, member] of Object.entries(value)) {
    const size = jsonBytes(member)
    if (size === 0) continue
    bytes += Buffer.byteLength(key, "utf8") + 3 + size
    members += 1
  }
  return bytes + Math.max(0, members - 1)
}
