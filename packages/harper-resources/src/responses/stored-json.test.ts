import fc from "fast-check"
import { parseJsonLossless } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { fromStoredJson, toStoredJson } from "./stored-json.ts"

/** Through a store that keeps plain data only (as Harper does), and back. */
const roundTrip = (value: unknown): unknown => fromStoredJson(structuredClone(toStoredJson(value)))

const MARK = "$gatewayBigInteger"

/** Keys a client might send that look like the store's own marker, or its escape. */
const lookalikeKey = fc.constantFrom("$gatewayBigInteger", "$$gatewayBigInteger", "$$$gatewayBigInteger", "gatewayBigInteger", "$gatewaybiginteger", "rawJSON", "__proto__")
const bigInteger = fc
  .bigInt({ min: -(10n ** 30n), max: 10n ** 30n })
  .filter((n) => n > 2n ** 53n || n < -(2n ** 53n))
  .map((n) => JSON.rawJSON(n.toString()))
const { value: jsonWithBigIntegers } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null), bigInteger, fc.stringMatching(/^-?\d{1,25}$/)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), lookalikeKey), tie("value"), { maxKeys: 4 }),
    // Exactly the marker's shape, or its escape's, as a client may send it.
    fc.record({ [MARK]: fc.stringMatching(/^-?\d{1,25}$/) }),
    fc.record({ [`$${MARK}`]: fc.stringMatching(/^-?\d{1,25}$/) }),
  ),
}))

describe("stored JSON", () => {
  it("keeps an integer beyond 2^53 through a store that keeps only plain objects", () => {
    const value = parseJsonLossless('{"tools":[{"parameters":{"default":123456789012345678901,"min":-98765432109876543210}}],"n":1}')
    expect(JSON.stringify(roundTrip(value))).toBe('{"tools":[{"parameters":{"default":123456789012345678901,"min":-98765432109876543210}}],"n":1}')
  })

  it("leaves other objects alone", () => {
    const value = { a: { $gatewayBigInteger: "12", other: 1 }, b: { rawJSON: "x" } }
    expect(roundTrip(value)).toEqual(value)
  })

  it("gives back a client's object shaped like the marker as that object, not a number", () => {
    const value = { a: { $gatewayBigInteger: "5" }, b: [{ $$gatewayBigInteger: "6" }], c: { $gatewayBigInteger: "123456789012345678901" } }
    expect(JSON.stringify(roundTrip(value))).toBe(JSON.stringify(value))
  })

  it("gives back any JSON value exactly (big integers as rawJSON, keys like the marker included)", () => {
    fc.assert(
      fc.property(jsonWithBigIntegers, (value) => {
        const stored = toStoredJson(value)
        // What is stored is plain data: no rawJSON object reaches the table.
        expect(JSON.stringify(stored)).toBe(JSON.stringify(structuredClone(stored)))
        expect(JSON.stringify(roundTrip(value))).toBe(JSON.stringify(value))
      }),
      { numRuns: 1_000 },
    )
  })
})
