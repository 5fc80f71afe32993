import { parseJsonLossless } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { fromStoredJson, toStoredJson } from "./stored-json.ts"

describe("stored JSON", () => {
  it("keeps an integer beyond 2^53 through a store that keeps only plain objects", () => {
    const value = parseJsonLossless('{"tools":[{"parameters":{"default":123456789012345678901,"min":-98765432109876543210}}],"n":1}')
    const stored = toStoredJson(value)
    // What a store that keeps plain data gives back.
    const roundTripped = structuredClone(stored)
    expect(JSON.stringify(fromStoredJson(roundTripped))).toBe('{"tools":[{"parameters":{"default":123456789012345678901,"min":-98765432109876543210}}],"n":1}')
  })

  it("leaves other objects alone", () => {
    const value = { a: { $gatewayBigInteger: "12", other: 1 }, b: { rawJSON: "x" } }
    expect(fromStoredJson(toStoredJson(value))).toEqual(value)
  })
})
