import { describe, expect, it } from "vitest"
import { specFields as fieldsOf } from "../../test/openapi-validator.ts"
import { ChatRequestFields } from "../wire/chat-request.ts"
import { chatRequestFieldDispositions } from "./field-dispositions.ts"

describe("the chat-request field-disposition table", () => {
  it("has exactly one disposition for every field of the official spec", () => {
    const fields = fieldsOf("CreateChatCompletionRequest")
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
