import { Result, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MAX_NAME_LENGTH, NameField } from "./name-field.ts"

const accepts = (value: unknown) => Result.isSuccess(Schema.decodeUnknownResult(NameField)(value))

describe("a stored name", () => {
  it("accepts ordinary names up to the cap, emoji included", () => {
    expect(accepts("acme")).toBe(true)
    expect(accepts("a".repeat(MAX_NAME_LENGTH))).toBe(true)
    expect(accepts("équipe-😀")).toBe(true)
  })
  it("refuses empty, over-long, NUL, control characters and lone surrogates", () => {
    for (const bad of ["", "a".repeat(MAX_NAME_LENGTH + 1), "x".repeat(1_000_000), "mx\u0000", "a\nb", "del\u007f", "\ud800", "a\udc00b", 5, null]) expect(accepts(bad)).toBe(false)
  })
  it("accepts exactly the well-formed strings without controls within the cap (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: MAX_NAME_LENGTH + 8 }), (value) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the property's own statement of "no control characters"
        const expected = value.length >= 1 && value.length <= MAX_NAME_LENGTH && value.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(value)
        expect(accepts(value)).toBe(expected)
      }),
    )
  })
})
