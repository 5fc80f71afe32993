import { describe, expect, it } from "vitest"
import { responseFormatToOpenAI } from "./map-response-format.ts"

describe("responseFormatToOpenAI", () => {
  it("maps Harper 5's shorthand forms", () => {
    expect(responseFormatToOpenAI("text")).toEqual({ type: "text" })
    expect(responseFormatToOpenAI("json")).toEqual({ type: "json_object" })
    expect(responseFormatToOpenAI({ schema: { type: "object" } })).toEqual({
      type: "json_schema",
      json_schema: { name: "output", schema: { type: "object" }, strict: true },
    })
  })
})
