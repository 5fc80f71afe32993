import { Schema } from "effect"

/**
 * The longest tenant, key id or model name a super user may store. The limit id holds two
 * of them percent-encoded (up to 9 characters per UTF-16 unit), which keeps it under
 * lmdb's 1,978-byte key; a longer name was a 500 from the write, not a 400.
 */
export const MAX_NAME_LENGTH = 64

/** C0 controls (NUL included) and DEL: never part of a name, and unsafe in logs and ids. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * A name stored as (part of) an id: non-empty, at most MAX_NAME_LENGTH UTF-16 units,
 * well-formed Unicode (a lone surrogate cannot be encoded into an id) and no control
 * characters. One rule for tenants, key ids and models wherever a super user names them.
 */
export const NameField = Schema.String.check(
  Schema.isMinLength(1),
  Schema.isMaxLength(MAX_NAME_LENGTH),
  Schema.makeFilter((value: string) => value.isWellFormed() || "Expected well-formed Unicode (no lone surrogate)"),
  Schema.makeFilter((value: string) => !CONTROL.test(value) || "Expected no control characters"),
)
