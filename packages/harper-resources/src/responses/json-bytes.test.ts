import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { jsonBytes } from "./json-bytes.ts"

const written = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8")

describe("jsonBytes", () => {
  it("is the UTF-8 size of the value's JSON text when nothing in it needs an escape", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!JSON.stringify(value).includes("\\"))
        expect(jsonBytes(value)).toBe(written(value))
      }),
      { numRuns: 500 },
    )
  })

  it("never counts more than the JSON text (escapes are not counted)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonBytes(value)).toBeLessThanOrEqual(written(value))
      }),
      { numRuns: 500 },
    )
  })

  it("counts multi-byte text by its UTF-8 bytes, and skips what JSON leaves out", () => {
    expect(jsonBytes("é€😀")).toBe(2 + 2 + 3 + 4)
    expect(jsonBytes({ a: undefined, b: 1 })).toBe(written({ b: 1 }))
    expect(jsonBytes([undefined, Number.NaN])).toBe(written([null, null]))
    expect(jsonBytes({ text: "x".repeat(1_000_000) })).toBe(1_000_000 + 11)
  })
})
