import { describe, expect, it } from "vitest"
import { specValidator } from "./openapi-validator.ts"

describe("the official-spec validator", () => {
  it("accepts a minimal valid completion and rejects a broken one", () => {
    const validate = specValidator("CreateChatCompletionResponse")
    const good = {
      id: "x",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "hi", refusal: null }, logprobs: null, finish_reason: "stop" }],
    }
    expect(validate(good)).toEqual([])
    expect(validate({ ...good, created: "1" }).length).toBeGreaterThan(0)
    expect(validate({ ...good, choices: [{ ...good.choices[0], finish_reason: "weird" }] }).length).toBeGreaterThan(0)
  })
})
