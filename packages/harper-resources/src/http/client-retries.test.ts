import { describe, expect, it } from "vitest"
import { clientRetriesOf } from "./client-retries.ts"

const headers = (value: string | null) => ({ get: (name: string) => (name === "x-stainless-retry-count" ? value : null) })

describe("the client's retry count", () => {
  it("reads the SDK's x-stainless-retry-count", () => {
    expect(clientRetriesOf(headers("0"))).toBe(0)
    expect(clientRetriesOf(headers("2"))).toBe(2)
    expect(clientRetriesOf(headers(" 1 "))).toBe(1)
  })

  it("anything else is a first try", () => {
    for (const value of [null, "", "-1", "1.5", "abc", "1e3", "9999999999999999999999", "0x10"]) expect(clientRetriesOf(headers(value))).toBe(0)
  })
})
