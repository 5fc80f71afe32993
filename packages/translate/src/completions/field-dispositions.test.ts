import { describe, expect, it } from "vitest"
import { specFields } from "../../test/openapi-validator.ts"
import { CompletionRequestFields } from "../wire/completions.ts"
import { completionRequestFieldDispositions } from "./field-dispositions.ts"

describe("the text-completion request field-disposition table", () => {
  it("has exactly one disposition for every field of the official CreateCompletionRequest", () => {
    const fields = specFields("CreateCompletionRequest")
    expect(fields).toContain("suffix")
    expect(Object.keys(completionRequestFieldDispositions).sort()).toEqual(fields)
  })

  it("models exactly the supported fields, so none is accepted and then dropped", () => {
    const supported = Object.entries(completionRequestFieldDispositions)
      .filter(([, disposition]) => disposition.kind === "supported")
      .map(([field]) => field)
      .sort()
    expect(Object.keys(CompletionRequestFields).sort()).toEqual(supported)
  })
})
