import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { describeThrown, MAX_THROWN_CHARS } from "./describe-thrown.ts"

describe("describeThrown", () => {
  it("reads an Error as name and message, with its cause", () => {
    expect(describeThrown(new TypeError("bad thing"))).toBe("TypeError: bad thing")
    expect(describeThrown(new Error("outer", { cause: new RangeError("inner") }))).toBe("Error: outer (cause: RangeError: inner)")
  })

  it("reads a plain object as its JSON, not [object Object]", () => {
    expect(describeThrown({ code: "E_BUSY", status: 503 })).toBe('{"code":"E_BUSY","status":503}')
    expect(describeThrown("text")).toBe("text")
    expect(describeThrown(undefined)).toBe("undefined")
  })

  it("reads an object with a string message as that message (what Harper's BigInt serialiser throws), and BigInts inside JSON as digits", () => {
    expect(describeThrown({ message: "Cannot serialize BigInt to JSON" })).toBe("Cannot serialize BigInt to JSON")
    expect(describeThrown({ n: 2n ** 70n })).toBe('{"n":"1180591620717411303424"}')
  })

  it("never throws, and never says [object Object], whatever is thrown", () => {
    const cyclic: Record<string, unknown> = {}
    cyclic["self"] = cyclic
    const hostile = {
      toJSON: () => {
        throw new Error("no")
      },
    }
    for (const value of [cyclic, hostile, {}, Object.create(null), new Map([[1, 2]]), () => 1]) {
      const text = describeThrown(value)
      expect(text).not.toContain("[object Object]")
      expect(text.length).toBeGreaterThan(0)
    }
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true }), (value) => {
        const text = describeThrown(value)
        expect(typeof text).toBe("string")
        expect(text).not.toBe("[object Object]")
        expect(text.length).toBeLessThanOrEqual(MAX_THROWN_CHARS + 40)
      }),
    )
  })

  it("gives an Error's stack when asked, within the same bound, with its cause", () => {
    const error = new Error("outer", { cause: new RangeError("inner") })
    const text = describeThrown(error, { stack: true })
    expect(text.startsWith("Error: outer\n    at ")).toBe(true)
    expect(text.endsWith("(cause: RangeError: inner)")).toBe(true)
    expect(describeThrown(new Error("x".repeat(10_000)), { stack: true }).length).toBeLessThan(MAX_THROWN_CHARS + 40)
  })

  it("bounds what it keeps", () => {
    expect(describeThrown(new Error("x".repeat(10_000))).length).toBeLessThan(MAX_THROWN_CHARS + 40)
  })
})
