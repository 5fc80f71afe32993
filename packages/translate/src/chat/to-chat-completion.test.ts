import { readFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { generateResult } from "../../test/arbitraries.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { recordedDir } from "../../test/shared-dir.ts"
import { fromChatCompletion } from "./from-chat-completion.ts"
import { toChatCompletion } from "./to-chat-completion.ts"

const identity = { id: "chatcmpl-test", created: 1_770_000_000, model: "gpt-test" }
const validate = specValidator("CreateChatCompletionResponse")

describe("toChatCompletion / fromChatCompletion", () => {
  it("round-trips a GenerateResult and emits a valid OpenAI completion", () => {
    fc.assert(
      fc.property(generateResult, (result) => {
        const wire = JSON.parse(JSON.stringify(toChatCompletion(result, identity)))
        if (result.finishReason !== "other") expect(validate(wire)).toEqual([])
        expect(fromChatCompletion(wire)).toEqual({ ok: true, value: { ...result, ...identity } })
      }),
      { numRuns: 500 },
    )
  })

  it("sends content null for a tool-call-only answer, refusal and logprobs null otherwise", () => {
    const wire = toChatCompletion(
      { content: "", toolCalls: [{ id: "c1", name: "f", arguments: "{}" }], finishReason: "tool_calls", rawFinishReason: "tool_calls" },
      identity,
    )
    expect(wire.choices[0].message).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
    })
    expect(wire.choices[0].logprobs).toBeNull()
  })

  it("passes an unknown finish reason through rather than calling it stop", () => {
    const wire = toChatCompletion({ content: "x", finishReason: "other", rawFinishReason: "pause_turn" }, identity)
    expect(wire.choices[0].finish_reason).toBe("pause_turn")
  })

  it("reads every recorded provider completion", () => {
    for (const name of ["openai-text", "deepseek-text", "deepseek-reasoning", "deepseek-tool-call", "xai-text", "xai-tool-call"]) {
      const body: { choices: { message: { content: string | null; tool_calls?: { function: { arguments: string } }[] }; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number } } =
        JSON.parse(readFileSync(join(recordedDir, `${name}.json`), "utf8"))
      const outcome = fromChatCompletion(body)
      if (!outcome.ok) throw new Error(`${name}: ${JSON.stringify(outcome.error)}`)
      const choice = body.choices[0]
      expect(outcome.value.content).toBe(choice?.message.content ?? "")
      expect(outcome.value.rawFinishReason).toBe(choice?.finish_reason)
      expect(outcome.value.toolCalls?.map((c) => c.arguments)).toEqual(choice?.message.tool_calls?.map((c) => c.function.arguments))
      expect(outcome.value.usage?.promptTokens).toBe(body.usage.prompt_tokens)
      expect(outcome.value.usage?.completionTokens).toBe(body.usage.completion_tokens)
      expect(validate(JSON.parse(JSON.stringify(toChatCompletion(outcome.value, identity))))).toEqual([])
    }
  })

  it("keeps DeepSeek's reasoning and cached tokens", () => {
    const body = JSON.parse(readFileSync(join(recordedDir, "deepseek-tool-call.json"), "utf8"))
    const outcome = fromChatCompletion(body)
    expect(outcome.ok && outcome.value.reasoning).toMatch(/weather/)
    expect(outcome.ok && outcome.value.usage).toEqual({ promptTokens: 339, completionTokens: 92, totalTokens: 431, cachedTokens: 320, reasoningTokens: 48 })
  })

  it("treats an answer without a choice or a finish reason as an upstream error", () => {
    expect(fromChatCompletion({ id: "x", created: 1, model: "m", choices: [] })).toMatchObject({ ok: false, error: { _tag: "UpstreamError" } })
    expect(fromChatCompletion({ id: "x", created: 1, model: "m", choices: [{ message: { content: "hi" }, finish_reason: null }] })).toMatchObject({
      ok: false,
    })
    expect(fromChatCompletion("<html>")).toMatchObject({ ok: false, error: { _tag: "UpstreamError", code: "invalid_upstream_response" } })
  })
})
