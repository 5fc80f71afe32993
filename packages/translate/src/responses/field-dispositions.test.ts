import { describe, expect, it } from "vitest"
import { specFields as fieldsOf } from "../../test/openapi-validator.ts"
import { ResponsesRequestFields } from "../wire/responses-request.ts"
import { responsesRequestFieldDispositions } from "./field-dispositions.ts"

describe("the CreateResponse field-disposition table", () => {
  it("has exactly one disposition for every field of the official spec", () => {
    const fields = fieldsOf("CreateResponse")
    expect(fields).toContain("previous_response_id")
    expect(fields.length).toBeGreaterThan(25)
    expect(Object.keys(responsesRequestFieldDispositions).sort()).toEqual(fields)
  })

  it("models exactly the supported fields, so none is accepted and then dropped", () => {
    const supported = Object.entries(responsesRequestFieldDispositions)
      .filter(([, disposition]) => disposition.kind === "supported")
      .map(([field]) => field)
      .sort()
    expect(Object.keys(ResponsesRequestFields).sort()).toEqual(supported)
  })

  it("refuses the hosted-tool, background, prompt and conversation features the issue names", () => {
    for (const field of ["conversation", "prompt"] as const) expect(responsesRequestFieldDispositions[field].kind).toBe("rejected")
    expect(responsesRequestFieldDispositions.background).toMatchObject({ kind: "supported", only: [false] })
  })
})
