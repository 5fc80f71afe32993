import { describe, expect, it } from "vitest"
import { specSchemas } from "../../test/openapi-validator.ts"
import { ChatRequestFields } from "../wire/chat-request.ts"
import { chatRequestFieldDispositions } from "./field-dispositions.ts"

/** Every property of CreateChatCompletionRequest, following its allOf parts. */
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
  visit(schemas["CreateChatCompletionRequest"])
  return [...fields].sort()
}

describe("the chat-request field-disposition table", () => {
  it("has exactly one disposition for every field of the official spec", () => {
    const fields = specFields()
    expect(fields.length).toBeGreaterThan(30)
    expect(Object.keys(chatRequestFieldDispositions).sort()).toEqual(fields)
  })

  it("models exactly the supported fields, so none is accepted and then dropped", () => {
    const supported = Object.entries(chatRequestFieldDispositions)
      .filter(([, disposition]) => disposition.kind === "supported")
      .map(([field]) => field)
      .sort()
    expect(Object.keys(ChatRequestFields).sort()).toEqual(supported)
  })
})
