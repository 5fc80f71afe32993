import { readFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { generateResult, resultAfterWire, withoutRawUsage } from "../../test/arbitraries.ts"
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
        expect(validate(wire)).toEqual([])
        const back = fromChatCompletion(wire)
        if (!back.ok) throw new Error(JSON.stringify(back.error))
        expect(withoutRawUsage(back.value)).toEqual({ ...resultAfterWire(result), ...identity })
        expect(back.value.usage?.raw).toEqual(wire.usage)
      }),
      { numRuns: 500 },
    )
  })

  it("sends content null for a tool-call-only answer, refusal and logprobs null otherwise", () => {
    const wire = toChatCompletion({ content: null, toolCalls: [{ id: "c1", name: "f", arguments: "{}" }], finishReason: "tool_calls", rawFinishReason: "tool_calls" }, identity)
    expect(wire.choices[0]?.message).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
    })
    expect(wire.choices[0]?.logprobs).toBeNull()
  })

  it("sends an unknown finish reason as the spec's stop (the raw value stays internal)", () => {
    const wire = toChatCompletion({ content: "x", finishReason: "other", rawFinishReason: "pause_turn" }, identity)
    expect(wire.choices[0]?.finish_reason).toBe("stop")
    expect(validate(JSON.parse(JSON.stringify(wire)))).toEqual([])
  })

  it("reads every recorded provider completion", () => {
    for (const name of ["openai-text", "deepseek-text", "deepseek-reasoning", "deepseek-tool-call", "xai-text", "xai-tool-call"]) {
      const body: { choices: { message: { content: string | null; tool_calls?: { function: { arguments: string } }[] }; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number } } = JSON.parse(
        readFileSync(join(recordedDir, `${name}.json`), "utf8"),
      )
      const outcome = fromChatCompletion(body)
      if (!outcome.ok) throw new Error(`${name}: ${JSON.stringify(outcome.error)}`)
      const choice = body.choices[0]
      expect(outcome.value.content).toBe(choice?.message.content)
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
    expect(outcome.ok && outcome.value.usage).toEqual({
      promptTokens: 339,
      completionTokens: 92,
      totalTokens: 431,
      cachedTokens: 320,
      cacheMissTokens: 19,
      reasoningTokens: 48,
      raw: body.usage,
      extensions: { prompt_cache_hit_tokens: 320, prompt_cache_miss_tokens: 19 },
    })
    // A DeepSeek client reads its cache split where DeepSeek puts it, through the gateway too.
    const out = outcome.ok ? toChatCompletion(outcome.value, { id: "chatcmpl-1", created: 1, model: "deepseek-chat" }) : undefined
    expect(out?.usage).toEqual(body.usage)
    expect(validate(out)).toEqual([])
  })

  it("treats an answer without a choice as an upstream error", () => {
    expect(fromChatCompletion({ id: "x", created: 1, model: "m", choices: [] })).toMatchObject({ ok: false, error: { _tag: "UpstreamError" } })
    expect(fromChatCompletion("<html>")).toMatchObject({ ok: false, error: { _tag: "UpstreamError", code: "invalid_upstream_response" } })
  })

  it("repairs what every client accepts, and says so (issue 10 §0)", () => {
    const outcome = fromChatCompletion({
      created: "1770000000",
      choices: [
        {
          message: {
            content: null,
            tool_calls: [
              { type: "function", function: { name: "get_weather", arguments: { city: "Paris" } } },
              { id: "", function: { name: "get_time", arguments: "{}" } },
            ],
          },
        },
      ],
    })
    expect(outcome).toEqual({
      ok: true,
      value: {
        content: null,
        finishReason: "tool_calls",
        toolCalls: [
          { id: "call_0", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "call_1", name: "get_time", arguments: "{}" },
        ],
        created: 1_770_000_000,
        repaired: ["tool_arguments_object", "tool_call_id_missing", "finish_reason_missing", "id_missing", "model_missing", "created_string"],
      },
    })
    const text = fromChatCompletion({ id: "x", created: 1, model: "m", choices: [{ message: { content: "hi" }, finish_reason: "" }] })
    expect(text).toMatchObject({ ok: true, value: { content: "hi", finishReason: "stop", repaired: ["finish_reason_missing"] } })
    if (text.ok) expect(text.value.rawFinishReason).toBeUndefined()
  })

  it("keeps content null, citations, logprobs, every choice and the upstream's extension fields", () => {
    const body = {
      id: "x",
      object: "chat.completion",
      created: 1,
      model: "m",
      citations: ["https://a.test"],
      search_results: [{ title: "A", url: "https://a.test" }],
      choices: [
        { index: 1, message: { role: "assistant", content: "second" }, finish_reason: "stop", logprobs: null },
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            refusal: "I can't help with that.",
            annotations: [{ type: "url_citation", url_citation: { url: "https://a.test", title: "A", start_index: 0, end_index: 5 } }],
          },
          finish_reason: "stop",
          logprobs: { content: null, refusal: [{ token: "I", logprob: -0.1, bytes: [73], top_logprobs: [] }] },
        },
      ],
    }
    const outcome = fromChatCompletion(body)
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
    expect(outcome.value).toMatchObject({
      content: null,
      refusal: "I can't help with that.",
      annotations: [{ type: "url_citation", url: "https://a.test", title: "A", startIndex: 0, endIndex: 5 }],
      logprobs: { content: null, refusal: [{ token: "I", logprob: -0.1, bytes: [73], topLogprobs: [] }] },
      additionalChoices: [{ index: 1, content: "second", finishReason: "stop" }],
      extensions: { citations: body.citations, search_results: body.search_results },
    })
    const wire = JSON.parse(JSON.stringify(toChatCompletion(outcome.value, identity)))
    expect(validate(wire)).toEqual([])
    expect(wire.citations).toEqual(body.citations)
    expect(wire.search_results).toEqual(body.search_results)
    expect(wire.choices.map((c: { index: number }) => c.index)).toEqual([0, 1])
    expect(wire.choices[0].message).toEqual({ ...body.choices[1]?.message })
    expect(wire.choices[0].logprobs).toEqual(body.choices[1]?.logprobs)
  })

  it("does not copy a service tier outside the spec's enum to clients (Groq's on_demand)", () => {
    const wire = toChatCompletion({ content: "x", finishReason: "stop", serviceTier: "on_demand" }, identity)
    expect(wire.service_tier).toBeUndefined()
    expect(toChatCompletion({ content: "x", finishReason: "stop", serviceTier: "flex" }, identity).service_tier).toBe("flex")
  })
})
