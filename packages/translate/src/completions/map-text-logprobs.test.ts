import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { textLogprobsFromOpenAI, textLogprobsToOpenAI } from "./map-text-logprobs.ts"

const validAnswer = specValidator("CreateCompletionResponse")
const answerWith = (logprobs: unknown) => ({ id: "cmpl-1", object: "text_completion", created: 1, model: "m", choices: [{ text: "Say this", index: 0, logprobs, finish_reason: "stop" }] })

describe("text completion logprobs", () => {
  it("sends the lists as they came when every position has a logprob", () => {
    const wire = { tokens: ["Say", " this"], token_logprobs: [-0.1, -3.2], top_logprobs: [{ Say: -0.1 }, { " this": -3.2, " it": -3.9 }], text_offset: [0, 3] }
    expect(textLogprobsToOpenAI(textLogprobsFromOpenAI(wire))).toEqual(wire)
  })

  it("leaves out an echoed prompt's first token (null logprob, as OpenAI sends it), keeping the others' offsets, so the answer is spec-valid", () => {
    // The spec's lists take no null; OpenAI's echo answers have one at the first prompt token.
    const wire = { tokens: ["Say", " this"], token_logprobs: [null, -3.2], top_logprobs: [null, { " this": -3.2 }], text_offset: [0, 3] }
    expect(validAnswer(answerWith(wire))).not.toEqual([])
    const out = textLogprobsToOpenAI(textLogprobsFromOpenAI(wire))
    expect(out).toEqual({ tokens: [" this"], token_logprobs: [-3.2], top_logprobs: [{ " this": -3.2 }], text_offset: [3] })
    expect(validAnswer(answerWith(out))).toEqual([])
  })

  it("sends {} for a position the upstream gave no alternatives for, and leaves out a list it did not send", () => {
    const out = textLogprobsToOpenAI(textLogprobsFromOpenAI({ tokens: ["a"], token_logprobs: [-1], top_logprobs: [null], text_offset: null }))
    expect(out).toEqual({ tokens: ["a"], token_logprobs: [-1], top_logprobs: [{}] })
    expect(validAnswer(answerWith(out))).toEqual([])
  })
})
