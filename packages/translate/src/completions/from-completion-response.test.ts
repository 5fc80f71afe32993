import { describe, expect, it } from "vitest"
import { fromCompletionResponse } from "./from-completion-response.ts"

/** The answer of the spec's "No streaming" example (paths./completions, x-oaiMeta). */
const specAnswer = {
  id: "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7",
  object: "text_completion",
  created: 1589478378,
  model: "gpt-3.5-turbo-instruct",
  system_fingerprint: "fp_44709d6fcb",
  choices: [{ text: "\n\nThis is indeed a test", index: 0, logprobs: null, finish_reason: "length" }],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
}

/**
 * `logprobs: 2, echo: true` as OpenAI's legacy completions reference documents the
 * logprobs object (tokens, token_logprobs, top_logprobs, text_offset); the echoed
 * prompt's first token has no logprob (null), as OpenAI sends it.
 */
const withLogprobs = {
  ...specAnswer,
  choices: [
    {
      text: "Say this is a test",
      index: 0,
      logprobs: { tokens: ["Say", " this"], token_logprobs: [null, -3.2], top_logprobs: [null, { " this": -3.2, " it": -3.9 }], text_offset: [0, 3] },
      finish_reason: "stop",
    },
  ],
}

describe("fromCompletionResponse", () => {
  it("reads the spec's example answer: text, finish, identity and usage", () => {
    expect(fromCompletionResponse(specAnswer)).toEqual({
      ok: true,
      value: {
        content: "\n\nThis is indeed a test",
        finishReason: "length",
        rawFinishReason: "length",
        id: "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7",
        model: "gpt-3.5-turbo-instruct",
        created: 1589478378,
        systemFingerprint: "fp_44709d6fcb",
        usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12, raw: specAnswer.usage },
      },
    })
  })

  it("keeps the logprobs lists as they came, nulls included", () => {
    const read = fromCompletionResponse(withLogprobs)
    expect(read).toMatchObject({ ok: true, value: { textLogprobs: { tokens: ["Say", " this"], tokenLogprobs: [null, -3.2], topLogprobs: [null, { " this": -3.2, " it": -3.9 }], textOffset: [0, 3] } } })
  })

  it("puts n > 1 choices in index order whatever order they came in", () => {
    const choice = (index: number) => ({ text: `t${index}`, index, logprobs: null, finish_reason: "stop" })
    const read = fromCompletionResponse({ ...specAnswer, choices: [choice(2), choice(0), choice(1)] })
    expect(read).toMatchObject({
      ok: true,
      value: {
        content: "t0",
        additionalChoices: [
          { index: 1, content: "t1" },
          { index: 2, content: "t2" },
        ],
      },
    })
  })

  it("names what it repaired: a missing id, model, created and finish reason", () => {
    const read = fromCompletionResponse({ choices: [{ text: "x", index: 0 }] })
    expect(read).toMatchObject({ ok: true, value: { content: "x", finishReason: "stop" } })
    if (read.ok) expect([...(read.value.repaired ?? [])].sort()).toEqual(["created_missing", "finish_reason_missing", "id_missing", "model_missing"])
  })

  it("leaves an untrusted usage figure out and names it (chat's one usage rule: the total that disagrees too), for the models layer to estimate", () => {
    const read = fromCompletionResponse({ ...specAnswer, usage: { prompt_tokens: -5, completion_tokens: 7, total_tokens: 2 } })
    expect(read).toMatchObject({ ok: true, value: { usage: { completionTokens: 7, untrusted: ["promptTokens", "totalTokens"] } } })
    if (read.ok) expect(read.value.usage?.promptTokens).toBeUndefined()
  })

  it.each([
    [{ choices: "x" }],
    [{ choices: [] }],
    [{ choices: [{ text: 1 }] }],
    [
      {
        choices: [
          { text: "a", index: 0 },
          { text: "b", index: 0 },
        ],
      },
    ],
    ["text"],
  ])("refuses %j as an invalid upstream answer", (body) => {
    expect(fromCompletionResponse(body)).toMatchObject({ ok: false, error: { _tag: "UpstreamError", code: "invalid_upstream_response" } })
  })
})
