import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { chatCall } from "../../test/arbitraries.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { capturedRequests } from "../../test/captured-requests.ts"
import { decodeChatRequest } from "./decode-chat-request.ts"
import { encodeChatRequest } from "./encode-chat-request.ts"

function rejection(body: unknown) {
  const outcome = decodeChatRequest(body)
  if (outcome.ok) throw new Error(`expected a rejection of ${JSON.stringify(body)}`)
  return outcome.error
}

const minimal = { model: "m", messages: [{ role: "user", content: "hi" }] }

describe("decodeChatRequest", () => {
  it("decodes every chat request body the real clients sent (captures)", () => {
    const requests = capturedRequests("/v1/chat/completions")
    for (const { file, body } of requests) {
      const outcome = decodeChatRequest(body)
      expect(outcome.ok ? "ok" : `${file}: ${JSON.stringify(outcome.error)}`).toBe("ok")
    }
    expect(requests.length).toBeGreaterThan(400)
  })

  it("names the failing path in param", () => {
    expect(rejection({ model: "m", messages: [minimal.messages[0], { role: "user", content: 5 }] })).toMatchObject({
      _tag: "InvalidRequest",
      param: "messages[1].content",
    })
    expect(rejection({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: 3 }] }] })).toMatchObject({
      param: "messages[0].content[0].text",
    })
    expect(rejection({ model: "m", messages: [{ role: "wizard", content: "x" }] })).toMatchObject({ param: "messages[0]" })
    expect(rejection({ messages: minimal.messages })).toMatchObject({ param: "model", code: "missing_required_parameter" })
    expect(rejection({ model: "m", messages: [] })).toMatchObject({ param: "messages" })
    expect(rejection({ ...minimal, temperature: 3 })).toMatchObject({ param: "temperature" })
    expect(rejection({ ...minimal, max_tokens: 1.5 })).toMatchObject({ param: "max_tokens" })
    expect(rejection({ ...minimal, stop: ["a", "b", "c", "d", "e"] })).toMatchObject({ param: "stop" })
  })

  it("reports an unknown nested field instead of dropping it", () => {
    expect(rejection({ model: "m", messages: [{ role: "user", content: "x", mood: "sad" }] })).toMatchObject({
      param: "messages[0].mood",
      message: "Unrecognized parameter: 'messages[0].mood'.",
    })
  })

  it("refuses fields it cannot honour, naming them, and accepts their null", () => {
    for (const field of ["audio", "web_search_options", "functions", "function_call", "moderation"]) {
      expect(rejection({ ...minimal, [field]: { x: 1 } })).toMatchObject({ param: field, code: "unsupported_parameter" })
      expect(decodeChatRequest({ ...minimal, [field]: null }).ok).toBe(true)
    }
    expect(rejection({ ...minimal, n: 2 })).toMatchObject({ param: "n" })
    expect(decodeChatRequest({ ...minimal, n: 1 }).ok).toBe(true)
    expect(rejection({ ...minimal, logprobs: true })).toMatchObject({ param: "logprobs" })
    expect(rejection({ ...minimal, modalities: ["text", "audio"] })).toMatchObject({ param: "modalities" })
    expect(rejection({ ...minimal, tools: [{ type: "custom", custom: { name: "x" } }] })).toMatchObject({ param: "tools[0].type" })
    expect(rejection({ ...minimal, stream: true, stream_options: { include_obfuscation: true } })).toMatchObject({
      param: "stream_options.include_obfuscation",
    })
  })

  it("checks tool_choice against tools", () => {
    expect(rejection({ ...minimal, tool_choice: "required" })).toMatchObject({ param: "tool_choice" })
    const tools = [{ type: "function", function: { name: "get_weather" } }]
    expect(rejection({ ...minimal, tools, tool_choice: { type: "function", function: { name: "other" } } })).toMatchObject({
      param: "tool_choice.function.name",
    })
    expect(decodeChatRequest({ ...minimal, tools, tool_choice: { type: "function", function: { name: "get_weather" } } }).ok).toBe(true)
  })

  it("passes OpenAI passthrough fields and provider extensions through, type-checked", () => {
    const outcome = decodeChatRequest(JSON.parse(`{"model":"m","messages":[{"role":"user","content":"hi"}],"service_tier":"flex","top_k":40,"__proto__":{"polluted":true}}`))
    expect(outcome.ok).toBe(true)
    if (!outcome.ok) return
    expect(outcome.value.opts.passthrough).toMatchObject({ service_tier: "flex", top_k: 40 })
    expect(Object.getPrototypeOf(outcome.value.opts.passthrough)).toBe(Object.prototype)
    expect(rejection({ ...minimal, service_tier: 5 })).toMatchObject({ param: "service_tier" })
    expect(rejection({ ...minimal, logit_bias: { "50256": "x" } })).toMatchObject({ param: "logit_bias.50256" })
  })

  it("refuses a body that is not an object", () => {
    for (const body of [null, [], "x", 3]) expect(rejection(body)).toMatchObject({ _tag: "InvalidRequest", code: "invalid_body" })
  })

  it("keeps which token limit the client used, and the developer role", () => {
    const outcome = decodeChatRequest({ model: "m", messages: [{ role: "developer", content: "be brief" }], max_completion_tokens: 5 })
    expect(outcome.ok && outcome.value).toMatchObject({
      input: { messages: [{ role: "developer", content: "be brief" }] },
      opts: { maxCompletionTokens: 5 },
    })
  })

  it("round-trips: decode(encode(call)) equals call, and the encoding is a valid OpenAI request", () => {
    const validate = specValidator("CreateChatCompletionRequest")
    fc.assert(
      fc.property(chatCall, (call) => {
        const body = JSON.parse(JSON.stringify(encodeChatRequest(call)))
        expect(validate(body)).toEqual([])
        const decoded = decodeChatRequest(body)
        expect(decoded).toEqual({ ok: true, value: call })
      }),
      { numRuns: 300 },
    )
  })

  it("round-trips the wire side: encode(decode(body)) equals body for lossless bodies (captures)", () => {
    for (const request of capturedRequests("/v1/chat/completions", "openai-")) {
      const outcome = decodeChatRequest(request.body)
      if (!outcome.ok) throw new Error(request.file)
      const body = { ...request.body }
      // Lossy by design: explicit defaults and stream options on a non-stream call.
      if (body["stream"] === false) delete body["stream"]
      if (body["stream"] !== true) delete body["stream_options"]
      if (body["n"] === 1) delete body["n"]
      expect(JSON.parse(JSON.stringify(encodeChatRequest(outcome.value)))).toEqual(body)
    }
  })
})
