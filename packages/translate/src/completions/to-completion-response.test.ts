import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { toCompletionResponse } from "./to-completion-response.ts"

const validAnswer = specValidator("CreateCompletionResponse")
const identity = { id: "cmpl-gateway1", created: 1700000000, model: "gpt-3.5-turbo-instruct" }

describe("toCompletionResponse", () => {
  it("sends a spec-valid text_completion with the gateway's identity, every choice by index", () => {
    const answer = toCompletionResponse(
      {
        content: "\n\nThis is indeed a test",
        finishReason: "length",
        systemFingerprint: "fp_44709d6fcb",
        usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 },
        additionalChoices: [{ index: 1, content: "other", finishReason: "stop", textLogprobs: { tokens: ["other"], tokenLogprobs: [-0.1], topLogprobs: [{ other: -0.1 }], textOffset: [0] } }],
      },
      identity,
    )
    expect(answer).toEqual({
      id: "cmpl-gateway1",
      object: "text_completion",
      created: 1700000000,
      model: "gpt-3.5-turbo-instruct",
      system_fingerprint: "fp_44709d6fcb",
      choices: [
        { text: "\n\nThis is indeed a test", index: 0, logprobs: null, finish_reason: "length" },
        { text: "other", index: 1, logprobs: { tokens: ["other"], token_logprobs: [-0.1], top_logprobs: [{ other: -0.1 }], text_offset: [0] }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    })
    expect(validAnswer(answer)).toEqual([])
  })

  it("sends only the spec's finish reasons: an unknown one or a tool call reads as stop", () => {
    for (const finishReason of ["other", "tool_calls"] as const) {
      const answer = toCompletionResponse({ content: "x", finishReason }, identity)
      expect(answer.choices[0]?.finish_reason).toBe("stop")
      expect(validAnswer(answer)).toEqual([])
    }
  })
})
