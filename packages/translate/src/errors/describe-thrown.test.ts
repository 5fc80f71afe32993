import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { describeThrown } from "./describe-thrown.ts"

describe("describeThrown", () => {
  it("reads errors, plain objects with a message and strings, never as [object Object]", () => {
    expect(describeThrown(new TypeError("bad"))).toBe("TypeError: bad")
    // What Harper's BigInt.prototype.toJSON throws.
    expect(describeThrown({ message: "Cannot serialize BigInt to JSON" })).toBe("Cannot serialize BigInt to JSON")
    expect(describeThrown("plain")).toBe("plain")
    expect(describeThrown({ code: 7 })).toBe('{"code":7}')
    expect(describeThrown(Object.create(null))).toBe("{}")
  })

  it("gives a readable string for anything thrown (property)", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true }), (thrown) => {
        const text = describeThrown(thrown)
        expect(typeof text).toBe("string")
        expect(text).not.toMatch(/^\[object \w+\]$/)
      }),
    )
  })
})
