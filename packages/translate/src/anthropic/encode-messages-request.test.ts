import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { ChatCall } from "../chat/chat-call.ts"
import type { AssistantMessage, GenerateOpts, Message, ToolDef } from "../model/types.ts"
import { anthropicFieldDispositions } from "./field-dispositions.ts"
import { encodeMessagesRequest, type AnthropicRequestOptions } from "./encode-messages-request.ts"
import { fromMessagesResponse } from "./from-messages-response.ts"

const options: AnthropicRequestOptions = { defaultMaxTokens: 4096 }

function call(messages: readonly Message[], opts: Partial<GenerateOpts> = {}, tools?: readonly ToolDef[]): ChatCall {
  return { input: tools === undefined ? { messages } : { messages, tools }, opts: { model: "claude-sonnet-4-5", ...opts }, stream: false, includeUsage: false }
}

function encoded(c: ChatCall, o: AnthropicRequestOptions = options) {
  const outcome = encodeMessagesRequest(c, o)
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
  return outcome.value
}

function refusal(c: ChatCall, o: AnthropicRequestOptions = options) {
  const outcome = encodeMessagesRequest(c, o)
  if (outcome.ok) throw new Error("accepted")
  return outcome.error
}

const weather: ToolDef = { name: "weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } }

describe("Anthropic request encoder", () => {
  it("moves system and developer messages to system, and takes the default max_tokens the API requires", () => {
    const { body } = encoded(
      call([
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Use French." }] },
        { role: "user", content: "Hi" },
      ]),
    )
    expect(body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 4096,
      system: [
        { type: "text", text: "Be brief." },
        { type: "text", text: "Use French." },
      ],
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    })
  })

  it("prefers max_completion_tokens, then max_tokens, and maps sampling and stop fields", () => {
    const { body } = encoded(call([{ role: "user", content: "Hi" }], { maxTokens: 100, maxCompletionTokens: 200, temperature: 0.5, topP: 0.9, stop: "END", user: "u-1", passthrough: { top_k: 40 } }))
    expect(body).toMatchObject({ max_tokens: 200, temperature: 0.5, top_p: 0.9, top_k: 40, stop_sequences: ["END"], metadata: { user_id: "u-1" } })
    expect(encoded(call([{ role: "user", content: "Hi" }], { maxTokens: 100, stop: ["a", "b"] })).body).toMatchObject({ max_tokens: 100, stop_sequences: ["a", "b"] })
  })

  it("sends each part's prompt-caching breakpoint on the block it becomes: system, user text, image, document, tool result and assistant text", () => {
    const ephemeral = { type: "ephemeral" } as const
    const first = encoded(
      call([
        { role: "system", content: [{ type: "text", text: "Long rules", cacheControl: { type: "ephemeral", ttl: "1h" } }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Read this", cacheControl: ephemeral },
            { type: "image", url: "https://example.com/cat.jpg", cacheControl: ephemeral },
            { type: "file", fileData: "data:application/pdf;base64,JVBERi0x", cacheControl: { type: "ephemeral", ttl: "5m" } },
            { type: "text", text: "no breakpoint" },
          ],
        },
      ]),
    ).body
    expect(first.system).toEqual([{ type: "text", text: "Long rules", cache_control: { type: "ephemeral", ttl: "1h" } }])
    expect(first.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Read this", cache_control: ephemeral },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" }, cache_control: ephemeral },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" }, cache_control: { type: "ephemeral", ttl: "5m" } },
          { type: "text", text: "no breakpoint" },
        ],
      },
    ])
    const second = encoded(
      call([
        { role: "user", content: "Read" },
        { role: "assistant", content: [{ type: "text", text: "Read.", cacheControl: ephemeral }] },
        { role: "user", content: "Next" },
        { role: "assistant", content: null, toolCalls: [{ id: "toolu_1", name: "weather", arguments: '{"city":"Paris"}' }] },
        { role: "tool", toolCallId: "toolu_1", content: [{ type: "text", text: "Sunny", cacheControl: ephemeral }] },
      ]),
    ).body
    expect(second.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Read" }] },
      { role: "assistant", content: [{ type: "text", text: "Read.", cache_control: ephemeral }] },
      { role: "user", content: [{ type: "text", text: "Next" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "Sunny", cache_control: ephemeral }] }] },
    ])
  })

  it("refuses a fifth prompt-caching breakpoint (the API takes four) with a 400 naming it", () => {
    const part = (text: string) => ({ type: "text" as const, text, cacheControl: { type: "ephemeral" as const } })
    const four: Message[] = [
      { role: "system", content: [part("a"), part("b")] },
      { role: "user", content: [part("c"), { type: "text", text: "no breakpoint" }] },
      { role: "assistant", content: [part("d")] },
    ]
    expect(encoded(call(four)).body.messages.length).toBe(2)
    const error = refusal(call([...four, { role: "tool", toolCallId: "t", content: [{ type: "text", text: "x" }, part("e")] }]))
    expect(error).toMatchObject({ _tag: "InvalidRequest", param: "messages[3].content[1].cache_control" })
  })

  it("sends images as base64 or URL sources and PDFs as documents", () => {
    const { body } = encoded(
      call([
        {
          role: "user",
          content: [
            { type: "text", text: "Compare" },
            { type: "image", url: "data:image/png;base64,iVBORw0KGgo=", detail: "high" },
            { type: "image", url: "https://example.com/cat.jpg" },
            { type: "file", filename: "report.pdf", fileData: "data:application/pdf;base64,JVBERi0x" },
          ],
        },
      ]),
    )
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Compare" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" }, title: "report.pdf" },
        ],
      },
    ])
  })

  it("sends a multi-turn tool conversation: thinking first, tool_use with object input, parallel results in one user turn", () => {
    const assistant: AssistantMessage = {
      role: "assistant",
      content: "Checking both.",
      thinkingBlocks: [
        { type: "thinking", thinking: "Two cities.", signature: "sig==" },
        { type: "redacted_thinking", data: "opaque" },
      ],
      toolCalls: [
        { id: "toolu_1", name: "weather", arguments: '{"city":"Paris"}' },
        { id: "toolu_2", name: "weather", arguments: '{"city":"Rome"}' },
      ],
    }
    const { body } = encoded(
      call(
        [
          { role: "user", content: "Weather in Paris and Rome?" },
          assistant,
          { role: "tool", toolCallId: "toolu_1", content: "18C" },
          { role: "tool", toolCallId: "toolu_2", content: [{ type: "text", text: "24C" }] },
          { role: "user", content: "Thanks" },
        ],
        {},
        [weather],
      ),
    )
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Two cities.", signature: "sig==" },
          { type: "redacted_thinking", data: "opaque" },
          { type: "text", text: "Checking both." },
          { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "24C" }] },
          { type: "text", text: "Thanks" },
        ],
      },
    ])
    expect(body.tools).toEqual([{ name: "weather", description: "Weather in a city", input_schema: weather.parameters }])
  })

  it.each([
    ["auto", { type: "auto" }],
    ["required", { type: "any" }],
    ["none", { type: "none" }],
    [
      { type: "function", name: "weather" },
      { type: "tool", name: "weather" },
    ],
  ] as const)("maps tool_choice %j", (choice, expected) => {
    expect(encoded(call([{ role: "user", content: "Hi" }], { toolChoice: choice }, [weather])).body.tool_choice).toEqual(expected)
  })

  it("turns parallel_tool_calls false into disable_parallel_tool_use", () => {
    expect(encoded(call([{ role: "user", content: "Hi" }], { parallelToolCalls: false }, [weather])).body.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true })
    expect(encoded(call([{ role: "user", content: "Hi" }], { parallelToolCalls: false, toolChoice: "required" }, [weather])).body.tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true })
  })

  it("maps reasoning effort to a thinking budget below max_tokens, and none to disabled", () => {
    expect(encoded(call([{ role: "user", content: "Hi" }], { reasoningEffort: "low", maxCompletionTokens: 16000 })).body.thinking).toEqual({ type: "enabled", budget_tokens: 2048 })
    expect(encoded(call([{ role: "user", content: "Hi" }], { reasoningEffort: "high", maxCompletionTokens: 5000 })).body.thinking).toEqual({ type: "enabled", budget_tokens: 4999 })
    expect(encoded(call([{ role: "user", content: "Hi" }], { reasoningEffort: "none" })).body.thinking).toEqual({ type: "disabled" })
    expect(encoded(call([{ role: "user", content: "Hi" }], { reasoningEffort: "medium" }), { defaultMaxTokens: 32000, thinkingBudgets: { medium: 3000 } }).body.thinking).toEqual({ type: "enabled", budget_tokens: 3000 })
    expect(refusal(call([{ role: "user", content: "Hi" }], { reasoningEffort: "low", maxCompletionTokens: 1000 }))).toMatchObject({ _tag: "InvalidRequest", param: "max_completion_tokens" })
    expect(refusal(call([{ role: "user", content: "Hi" }], { reasoningEffort: "low", toolChoice: "required" }, [weather]))).toMatchObject({ param: "tool_choice" })
    expect(refusal(call([{ role: "user", content: "Hi" }], { reasoningEffort: "low", responseFormat: { type: "json_object" } }))).toMatchObject({ param: "response_format" })
  })

  it("sends a JSON schema natively where the model takes it, else as a forced tool the decoders know", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] }
    const format = { responseFormat: { type: "json_schema", name: "answer", schema } } as const
    const native = encoded(call([{ role: "user", content: "Hi" }], format), { ...options, nativeStructuredOutput: true })
    expect(native.body.output_config).toEqual({ format: { type: "json_schema", schema } })
    expect(native.structuredOutputTool).toBeUndefined()
    const forced = encoded(call([{ role: "user", content: "Hi" }], format, [weather]))
    expect(forced.structuredOutputTool).toBe("json")
    expect(forced.body.tools?.at(-1)).toEqual({ name: "json", description: "Respond with a JSON object.", input_schema: schema })
    expect(forced.body.tool_choice).toEqual({ type: "tool", name: "json" })
    expect(forced.body.output_config).toBeUndefined()
    // json_object has no schema: always a forced tool with an open object.
    expect(encoded(call([{ role: "user", content: "Hi" }], { responseFormat: { type: "json_object" } }), { ...options, nativeStructuredOutput: true }).body.tools).toEqual([
      { name: "json", description: "Respond with a JSON object.", input_schema: { type: "object" } },
    ])
    expect(refusal(call([{ role: "user", content: "Hi" }], { ...format, toolChoice: "required" }, [weather]))).toMatchObject({ param: "response_format" })
  })

  it.each([
    [{ n: 2 }, "n"],
    [{ logprobs: true }, "logprobs"],
    [{ topLogprobs: 3 }, "top_logprobs"],
    [{ seed: 7 }, "seed"],
    [{ presencePenalty: 0.5 }, "presence_penalty"],
    [{ frequencyPenalty: 0.5 }, "frequency_penalty"],
    [{ passthrough: { logit_bias: { "1": 2 } } }, "logit_bias"],
    [{ toolChoice: { type: "allowed_tools", mode: "auto", tools: [] } }, "tool_choice"],
    [{ passthrough: { top_k: 0 } }, "top_k"],
  ] as const)("refuses %j with a 400 naming %s", (opts, param) => {
    expect(refusal(call([{ role: "user", content: "Hi" }], opts))).toMatchObject({ _tag: "InvalidRequest", param })
  })

  it("accepts the neutral values of refused fields (n 1, logprobs false, penalties 0)", () => {
    expect(encodeMessagesRequest(call([{ role: "user", content: "Hi" }], { n: 1, logprobs: false, topLogprobs: 0, presencePenalty: 0, frequencyPenalty: 0 }), options).ok).toBe(true)
  })

  it("refuses content the Messages API cannot take, naming where it is", () => {
    expect(
      refusal(
        call([
          {
            role: "user",
            content: [
              { type: "text", text: "a" },
              { type: "audio", data: "AAAA", format: "wav" },
            ],
          },
        ]),
      ),
    ).toMatchObject({ param: "messages[0].content[1]" })
    expect(refusal(call([{ role: "user", content: [{ type: "file", fileId: "file-1" }] }]))).toMatchObject({ param: "messages[0].content[0].file.file_id" })
    expect(refusal(call([{ role: "user", content: [{ type: "image", url: "ftp://x/y.png" }] }]))).toMatchObject({ param: "messages[0].content[0].image_url.url" })
    expect(
      refusal(
        call([
          { role: "user", content: "a" },
          { role: "assistant", content: null, toolCalls: [{ id: "t", name: "f", arguments: "[1]" }] },
        ]),
      ),
    ).toMatchObject({
      param: "messages[1].tool_calls[0].function.arguments",
    })
  })

  it("has a disposition for every GenerateOpts field, and refuses none it calls supported", () => {
    const kinds = Object.values(anthropicFieldDispositions).map((d) => d.kind)
    expect(new Set(kinds)).toEqual(new Set(["supported", "ignored", "refused", "facade"]))
  })
})

const identifier = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/)
const assistantTurn: fc.Arbitrary<AssistantMessage> = fc.record({
  role: fc.constant("assistant" as const),
  content: fc.string({ minLength: 1, maxLength: 40 }),
  thinkingBlocks: fc.array(
    fc.oneof(
      fc.record({ type: fc.constant("thinking" as const), thinking: fc.string({ maxLength: 30 }), signature: fc.base64String({ minLength: 4, maxLength: 20 }) }),
      fc.record({ type: fc.constant("redacted_thinking" as const), data: fc.base64String({ minLength: 4, maxLength: 20 }) }),
    ),
    { maxLength: 2 },
  ),
  toolCalls: fc.array(fc.record({ id: identifier, name: identifier, arguments: fc.dictionary(identifier, fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }).map((o) => JSON.stringify(o)) }), { maxLength: 3 }),
})

describe("Anthropic request round trip", () => {
  it("an assistant turn encoded and echoed back by a provider decodes to the same content, tool calls and signed thinking", () => {
    fc.assert(
      fc.property(assistantTurn, (turn) => {
        const { body } = encoded(call([{ role: "user", content: "go on" }, turn]))
        const sent = body.messages[1]
        // The fake provider answers with exactly the blocks it was sent.
        const echoed = fromMessagesResponse({ id: "msg", model: "claude", content: sent?.content ?? [], stop_reason: turn.toolCalls?.length ? "tool_use" : "end_turn" })
        if (!echoed.ok) throw new Error("not decoded")
        expect(echoed.value.content ?? "").toBe(turn.content)
        expect(echoed.value.toolCalls ?? []).toEqual(turn.toolCalls)
        expect(echoed.value.thinkingBlocks ?? []).toEqual(turn.thinkingBlocks)
      }),
    )
  })
})
