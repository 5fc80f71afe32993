import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { float32ToBase64, isFloat32Base64 } from "./float32-base64.ts"

/** The definition: standard base64 (the pattern) of a whole number of float32 values. */
const definition = (text: string): boolean => {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0
  return text.length % 4 === 0 && ((text.length / 4) * 3 - padding) % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text)
}

describe("isFloat32Base64", () => {
  it("agrees with the pattern's definition on any text made of base64-like characters", () => {
    const alphabet = "ABCabcxyz0189+/=-_ \n.*\u00e9"
    const text = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((chars) => chars.join(""))
    fc.assert(
      fc.property(text, (candidate) => {
        expect(isFloat32Base64(candidate)).toBe(definition(candidate))
      }),
      { numRuns: 20_000 },
    )
  })

  it("agrees with it on real vectors with one character changed", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 8 }), fc.nat(), fc.constantFrom("-", "_", "=", " ", ".", "A", "\n"), (values, at, replacement) => {
        const encoded = float32ToBase64(Float32Array.from(values))
        expect(isFloat32Base64(encoded)).toBe(true)
        const index = at % encoded.length
        const changed = encoded.slice(0, index) + replacement + encoded.slice(index + 1)
        expect(isFloat32Base64(changed)).toBe(definition(changed))
      }),
      { numRuns: 5_000 },
    )
  })
})
