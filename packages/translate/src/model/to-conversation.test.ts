import { describe, expect, it } from "vitest"
import { toConversation } from "./to-conversation.ts"

describe("toConversation", () => {
  it("accepts Harper 5's three input forms", () => {
    expect(toConversation("hi")).toEqual({ messages: [{ role: "user", content: "hi" }] })
    expect(toConversation([{ role: "user", content: "a" }])).toEqual({ messages: [{ role: "user", content: "a" }] })
    expect(toConversation({ system: "be brief", messages: [{ role: "user", content: "a" }], tools: [{ name: "f" }] })).toEqual({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "a" },
      ],
      tools: [{ name: "f" }],
    })
  })
})
