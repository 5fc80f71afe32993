import { describe, expect, it } from "vitest"
import { refusedAnthropicOption } from "../anthropic/field-dispositions.ts"
import { refusedGeminiOption } from "../gemini/field-dispositions.ts"
import { refusedOllamaOption } from "../ollama/field-dispositions.ts"

// A null asks for what omitting the field gives (OpenAI's own reading; LangChain and
// hand-written clients send `logit_bias: null`): nothing for a backend to refuse.
describe.each([
  ["anthropic", refusedAnthropicOption],
  ["gemini", refusedGeminiOption],
  ["ollama", refusedOllamaOption],
])("%s backend and passed-through fields", (_name, refused) => {
  it("accepts an official passthrough field sent as null", () => {
    expect(refused({ passthrough: { logit_bias: null, verbosity: null, prediction: null } })).toBeUndefined()
  })

  it("refuses one with a value, naming it", () => {
    const error = refused({ passthrough: { logit_bias: null, verbosity: "low" } })
    expect(error).toMatchObject({ _tag: "InvalidRequest", param: "verbosity" })
  })

  it("takes top_k", () => {
    expect(refused({ passthrough: { top_k: 40 } })).toBeUndefined()
  })
})
