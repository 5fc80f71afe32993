/** The most characters of a client-chosen name (the model asked for) a row keeps. */
export const MAX_ROW_NAME_CHARS = 256

/**
 * A name the client chose, as an accounting row keeps it: whole up to MAX_ROW_NAME_CHARS,
 * else cut, saying how much was left out. A refused call's body may name any model, and
 * its row (journal line, table row, log) must not grow with it.
 */
export function rowName(name: string | null): string | null {
  if (name === null || name.length <= MAX_ROW_NAME_CHARS) return name
  return `${name.slice(0, MAX_ROW_NAME_CHARS)}… (${name.length - MAX_ROW_NAME_CHARS} more characters)`
}
