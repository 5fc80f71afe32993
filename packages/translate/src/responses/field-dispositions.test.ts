import { describe, expect, it } from "vitest"
import { specSchemas } from "../../test/openapi-validator.ts"
import { ResponsesRequestFields } from "../wire/responses-request.ts"
import { responsesRequestFieldDispositions } from "./field-dispositions.ts"

/** Every property of CreateResponse, following its allOf parts. */
function specFields(): string[] {
  const schemas = specSchemas()
  const fields = new Set<string>()
  const visit = (schema: unknown): void => {
    if (typeof schema !== "object" || schema === null) return
    if ("$ref" in schema && typeof schema.$ref === "string") visit(schemas[schema.$ref.split("/").pop() ?? ""])
    if ("allOf" in schema && Array.isArray(schema.allOf)) schema.allOf.forEach(visit)
    if ("properties" in schema && typeof schema.properties === "object" && schema.properties !== null) {
      for (const key of Object.keys(schema.properties)) fields.add(key)
    }
  }
  visit(schemas["CreateResponse"])
  return [...fields].sort()
}

describe("the CreateResponse field-disposition table", () => {
  it("has exactly one disposition for every field of the official spec", () => {
    const fields = specFields()
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
