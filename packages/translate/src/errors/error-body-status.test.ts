import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { anthropicErrorBodyStatus } from "../anthropic/from-anthropic-error.ts"
import { geminiErrorBodyStatus } from "../gemini/from-gemini-error.ts"
import { openAIErrorBodyStatus, openAIErrorStatus } from "./error-body-status.ts"

/** Error bodies from the providers' documentation (test/error-bodies/README.md says which page each copies). */
const body = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/error-bodies/${name}.json`, import.meta.url), "utf8"))

describe("the status an error body answered with 200 implies", () => {
  it("OpenAI-shaped: a numeric HTTP code as it is, else the code or type's class; Ollama's bare string is a 500", () => {
    expect(openAIErrorBodyStatus(body("openai-rate-limit"))).toBe(429)
    expect(openAIErrorBodyStatus(body("openrouter-provider-error"))).toBe(502)
    expect(openAIErrorBodyStatus(body("ollama-model-error"))).toBe(500)
    expect(openAIErrorBodyStatus({ error: { message: "x", type: "invalid_request_error" } })).toBe(400)
    expect(openAIErrorBodyStatus({ error: { message: "x", code: "invalid_api_key" } })).toBe(401)
    expect(openAIErrorBodyStatus({ error: { message: "x", type: "server_error" } })).toBe(500)
    expect(openAIErrorStatus({ code: 700 })).toBe(500)
    expect(openAIErrorStatus({ code: 200 })).toBe(500)
    expect(openAIErrorStatus({ code: 429.5 })).toBe(500)
  })

  it("Anthropic: its error type's documented status", () => {
    expect(anthropicErrorBodyStatus(body("anthropic-rate-limit"))).toBe(429)
    expect(anthropicErrorBodyStatus({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })).toBe(529)
    expect(anthropicErrorBodyStatus({ type: "error", error: { type: "something_new", message: "?" } })).toBe(500)
  })

  it("Gemini: its numeric code, else its canonical status's HTTP status, also in a one-element array", () => {
    expect(geminiErrorBodyStatus(body("gemini-resource-exhausted"))).toBe(429)
    expect(geminiErrorBodyStatus(body("gemini-invalid-argument-status-only"))).toBe(400)
    expect(geminiErrorBodyStatus([body("gemini-resource-exhausted")])).toBe(429)
    expect(geminiErrorBodyStatus({ error: { message: "?" } })).toBe(500)
  })

  it("an answer is not an error, whatever else it carries (error: null beside choices, an answer with an error field)", () => {
    for (const answer of [
      { id: "c", object: "chat.completion", choices: [] },
      { error: null, choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] },
      { error: { message: "partial" }, choices: [] },
      { object: "list", data: [], error: { message: "x" } },
      { error: 42 },
      "error",
      null,
      [],
    ]) {
      expect(openAIErrorBodyStatus(answer)).toBeUndefined()
    }
    expect(anthropicErrorBodyStatus({ type: "message", content: [], error: { type: "api_error" } })).toBeUndefined()
    expect(anthropicErrorBodyStatus({ type: "error" })).toBeUndefined()
    expect(geminiErrorBodyStatus({ candidates: [], error: { code: 500 } })).toBeUndefined()
    expect(geminiErrorBodyStatus({ error: null })).toBeUndefined()
  })
})
