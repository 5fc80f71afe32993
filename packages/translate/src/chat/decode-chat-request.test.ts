import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { chatCall } from "../../test/arbitraries.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { capturedRequests } from "../../test/captured-requests.ts"
import { decodeChatRequest } from "./decode-chat-request.ts"
import { encodeChatRequest } from "./encode-chat-request.ts"
import { chatRequestFieldDispositions, nestedFieldDispositions } from "./field-dispositions.ts"

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
    expect(rejection({ model: "m", messages: [{ role: "wizard", content: "x" }] })).toMatchObject({ param: "messages[0].role" })
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
    expect(rejection({ ...minimal, modalities: ["text", "audio"] })).toMatchObject({ param: "modalities" })
    expect(rejection({ ...minimal, tools: [{ type: "custom", custom: { name: "x" } }] })).toMatchObject({ param: "tools[0].type" })
    expect(rejection({ ...minimal, stream: true, stream_options: { include_obfuscation: true } })).toMatchObject({
      param: "stream_options.include_obfuscation",
    })
  })

  it("accepts every message form the spec accepts (issue 10 §0)", () => {
    const tools = [{ type: "function", function: { name: "get_weather" } }]
    const body = {
      model: "m",
      tools,
      tool_choice: { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "get_weather" } }] } },
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, audio: null, function_call: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { role: "function", name: "get_weather", content: "sunny" },
        { role: "assistant", content: "Sunny.", audio: { id: "audio_abc" }, function_call: null },
        { role: "function", name: "get_weather", content: null },
      ],
    }
    const outcome = decodeChatRequest(body)
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
    expect(outcome.value.opts.toolChoice).toEqual({
      type: "allowed_tools",
      mode: "required",
      tools: [{ type: "function", function: { name: "get_weather" } }],
    })
    // The legacy function call and its answer become a tool call and its tool message, paired by id.
    const [, call, answer, second, emptyAnswer] = outcome.value.input.messages
    expect(call).toEqual({ role: "assistant", content: null, toolCalls: [{ id: "call_legacy_1", name: "get_weather", arguments: '{"city":"Paris"}' }] })
    expect(answer).toEqual({ role: "tool", content: "sunny", toolCallId: "call_legacy_1", name: "get_weather" })
    expect(second).toEqual({ role: "assistant", content: "Sunny.", audio: { id: "audio_abc" } })
    expect(emptyAnswer).toEqual({ role: "tool", content: "", toolCallId: "call_legacy_1", name: "get_weather" })
    const encoded = JSON.parse(JSON.stringify(encodeChatRequest(outcome.value)))
    expect(specValidator("CreateChatCompletionRequest")(encoded)).toEqual([])
    expect(encoded.tool_choice).toEqual(body.tool_choice)
    expect(encoded.messages[3]).toEqual({ role: "assistant", content: "Sunny.", audio: { id: "audio_abc" } })
    expect(rejection({ ...minimal, tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "nope" } }] } } })).toMatchObject({
      param: "tool_choice.allowed_tools.tools[0].function.name",
    })
  })

  it("keeps prompt-caching breakpoints on text, image and file parts (null is none), and refuses a malformed one naming its path", () => {
    const outcome = decodeChatRequest({
      model: "m",
      messages: [
        { role: "system", content: [{ type: "text", text: "long rules", cache_control: { type: "ephemeral", ttl: "1h" } }] },
        {
          role: "user",
          content: [
            { type: "text", text: "hi", cache_control: { type: "ephemeral" } },
            { type: "image_url", image_url: { url: "https://x.test/a.png" }, cache_control: { type: "ephemeral" } },
            { type: "file", file: { file_data: "data:application/pdf;base64,JVBE" }, cache_control: { type: "ephemeral", ttl: "5m" } },
            { type: "text", text: "plain", cache_control: null },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "noted", cache_control: { type: "ephemeral" } }] },
        { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "result", cache_control: { type: "ephemeral" } }] },
      ],
    })
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
    expect(outcome.value.input.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "long rules", cacheControl: { type: "ephemeral", ttl: "1h" } }] },
      {
        role: "user",
        content: [
          { type: "text", text: "hi", cacheControl: { type: "ephemeral" } },
          { type: "image", url: "https://x.test/a.png", cacheControl: { type: "ephemeral" } },
          { type: "file", fileData: "data:application/pdf;base64,JVBE", cacheControl: { type: "ephemeral", ttl: "5m" } },
          { type: "text", text: "plain" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "noted", cacheControl: { type: "ephemeral" } }] },
      { role: "tool", toolCallId: "call_1", content: [{ type: "text", text: "result", cacheControl: { type: "ephemeral" } }] },
    ])
    for (const bad of [{ type: "persistent" }, { type: "ephemeral", ttl: "2d" }, "ephemeral"]) {
      const error = rejection({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "hi", cache_control: bad }] }] })
      if (error._tag !== "InvalidRequest") throw new Error(error._tag)
      expect(error.param).toMatch(/^messages\[0\]\.content\[0\]\.cache_control/)
    }
    expect(nestedFieldDispositions["messages[].content[].cache_control"].kind).toBe("supported")
    // OpenAI-compatible upstreams are not sent it: strict in what the gateway sends.
    expect(JSON.stringify(encodeChatRequest(outcome.value))).not.toMatch(/cache_?control/i)
  })

  it("accepts and drops what clients echo from responses, as the nested disposition table says", () => {
    const echoed = {
      model: "m",
      messages: [
        { role: "system", content: [{ type: "text", text: "be brief" }] },
        {
          role: "user",
          content: [
            { type: "text", text: "hi" },
            { type: "image_url", image_url: { url: "https://x.test/a.png" } },
          ],
        },
        { role: "assistant", content: "hello", refusal: null, annotations: [], parsed: { a: 1 } },
        { role: "user", content: "again" },
      ],
    }
    const outcome = decodeChatRequest(echoed)
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
    expect(outcome.value.input.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "be brief" }] },
      {
        role: "user",
        content: [
          { type: "text", text: "hi" },
          { type: "image", url: "https://x.test/a.png" },
        ],
      },
      { role: "assistant", content: "hello", refusal: null },
      { role: "user", content: "again" },
    ])
    const ignored = Object.entries(nestedFieldDispositions)
      .filter(([, d]) => d.kind === "ignored")
      .map(([path]) => path)
      .sort()
    expect(ignored).toEqual(["messages[].annotations", "messages[].parsed", "messages[].reasoning_content"])
    expect(chatRequestFieldDispositions.n.kind).toBe("supported")
  })

  it("gives a short message naming the path when a union fails, never a schema dump", () => {
    for (const body of [
      { model: "m", messages: [{ role: "wizard", content: "x" }] },
      { model: "m", messages: [{ content: "x" }] },
      { ...minimal, tool_choice: { type: "bogus" } },
      { ...minimal, response_format: { type: "yaml" } },
      { model: "m", messages: [{ role: "user", content: [{ type: "video", url: "x" }] }] },
    ]) {
      const error = rejection(body)
      if (error._tag !== "InvalidRequest") throw new Error(error._tag)
      expect(error.param).not.toBeNull()
      expect(error.message.length).toBeLessThan(200)
      expect(error.message).not.toMatch(/readonly|\{ "/)
    }
    expect(rejection({ model: "m", messages: [{ role: "wizard", content: "x" }] })).toMatchObject({ param: "messages[0].role" })
  })

  it("carries n, logprobs and top_logprobs to the backend", () => {
    const outcome = decodeChatRequest({ ...minimal, n: 3, logprobs: true, top_logprobs: 2 })
    expect(outcome.ok && outcome.value.opts).toMatchObject({ n: 3, logprobs: true, topLogprobs: 2 })
    expect(outcome.ok && encodeChatRequest(outcome.value)).toMatchObject({ n: 3, logprobs: true, top_logprobs: 2 })
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
      expect(JSON.parse(JSON.stringify(encodeChatRequest(outcome.value)))).toEqual(body)
    }
  })
})
