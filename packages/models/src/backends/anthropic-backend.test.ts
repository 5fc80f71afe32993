import { decodeChatRequest, isRetryable, toOpenAIError, type ChatCall, type GenerateOpts, type GenerateResult, type Message } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { recordedBody, recordedStreamLines } from "../../../translate/test/recorded-provider.ts"
import { callContext, collectChunks, failureOf, testUpstreamOptions } from "../../test/backend-calls.ts"
import { errorBody } from "../../test/error-bodies.ts"
import { localUpstream, type ReceivedRequest } from "../../test/local-upstream.ts"
import { ANTHROPIC_DEFAULTS, createAnthropicBackend, type AnthropicBackendOptions } from "./anthropic-backend.ts"
import { createThinkingBlockStore, DEFAULT_THINKING_STORE } from "./thinking-block-store.ts"

/**
 * The backend against a local Anthropic upstream on 127.0.0.1. Fixtures:
 * - recorded: shared/fixtures/recorded/anthropic/* (real Messages API answers, see its
 *   README), replayed as they are; streams framed `event: <type>\ndata: <line>\n\n`;
 * - built on a recording's envelope from Anthropic's documentation (docs.anthropic.com:
 *   "Extended thinking" with tool use, "Prompt caching" usage fields, "Handling stop
 *   reasons" for pause_turn, "Errors" for the 529 overloaded_error body), named below.
 */
const json = (name: string): Record<string, unknown> => JSON.parse(recordedBody("anthropic", name))
const lines = (name: string): string[] => recordedStreamLines("anthropic", name)

const thinkingRecording = json("anthropic-clear-thinking.1")
const recordedContent = thinkingRecording["content"]
const recordedThinkingBlock: unknown = Array.isArray(recordedContent) ? recordedContent[0] : undefined
const recordedThinkingLines = lines("anthropic-clear-thinking.1")
/** Documented shape (Extended thinking, "with tool use"): signed thinking then a tool call; the thinking block and envelope are the recording's. */
const thinkingToolAnswer = { ...thinkingRecording, content: [recordedThinkingBlock, { type: "tool_use", id: "toolu_01ThinkCalc", name: "calc", input: { x: 925 } }], stop_reason: "tool_use" }
/** The recorded thinking stream up to its thinking block's stop, then a streamed tool call and a tool_use stop (documented event shapes). */
const thinkingToolStream = [
  ...recordedThinkingLines.slice(0, recordedThinkingLines.findIndex((line) => line.includes('"content_block_stop"')) + 1),
  JSON.stringify({ type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_01ThinkCalcStream", name: "calc", input: {} } }),
  JSON.stringify({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"x":' } }),
  JSON.stringify({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "925}" } }),
  JSON.stringify({ type: "content_block_stop", index: 1 }),
  JSON.stringify({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 60 } }),
  JSON.stringify({ type: "message_stop" }),
]
/** Two tool calls in one answer (parallel tool use, documented), on the tool-no-args recording's envelope. */
const parallelAnswer = {
  ...json("anthropic-tool-no-args"),
  content: [
    { type: "tool_use", id: "toolu_01Paris", name: "weather", input: { city: "Paris" } },
    { type: "tool_use", id: "toolu_01London", name: "weather", input: { city: "London" } },
  ],
}
const textRecording = json("anthropic-text")
const fixtures: Record<string, { readonly json?: unknown; readonly stream?: readonly string[] }> = {
  text: { json: textRecording, stream: lines("anthropic-text") },
  thinking: { json: thinkingRecording, stream: recordedThinkingLines },
  "thinking-tool": { json: thinkingToolAnswer, stream: thinkingToolStream },
  "tool-no-args": { json: json("anthropic-tool-no-args"), stream: lines("anthropic-tool-no-args") },
  parallel: { json: parallelAnswer },
  "json-tool": { json: json("anthropic-json-tool.1"), stream: lines("anthropic-json-tool.1") },
  "json-native": { json: json("anthropic-json-output-format.1"), stream: lines("anthropic-json-output-format.1") },
  refusal: { json: json("anthropic-refusal"), stream: lines("anthropic-refusal") },
  "delta-input-tokens": { stream: lines("anthropic-message-delta-input-tokens") },
  /** Prompt caching's documented usage fields on the text recording. */
  cached: { json: { ...textRecording, usage: { input_tokens: 12, cache_read_input_tokens: 1800, cache_creation_input_tokens: 200, output_tokens: 29 } } },
  /** A server-tool turn the API paused (documented stop reason), on the text recording. */
  pause: { json: { ...textRecording, stop_reason: "pause_turn" } },
  /** The recorded text stream's message_start, then Anthropic's documented in-stream overloaded error event. */
  "overloaded-midstream": { stream: [lines("anthropic-text")[0] ?? "", JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })] },
}

const upstream = localUpstream((request, res) => {
  const { body } = request
  const model = String(body["model"])
  if (model === "overloaded") {
    // Anthropic's documented overloaded answer; the host in the message must not reach a client.
    res.writeHead(529, { "content-type": "application/json", "retry-after": "7" })
    res.end(JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded (node claude-7.internal.example)" }, request_id: "req_011CSHoEeqs5C35K2UUqR7Fy" }))
    return
  }
  if (model === "anthropic-rate-limit") {
    // Anthropic's documented error body, as the body of a 200.
    res.writeHead(200, { "content-type": "application/json" })
    res.end(errorBody(model))
    return
  }
  if (model === "pings-forever") {
    // The recorded text stream up to its first text delta, then only its recorded `ping` event, forever.
    res.writeHead(200, { "content-type": "text/event-stream" })
    for (const line of lines("anthropic-text").slice(0, 4)) res.write(`event: ${String(JSON.parse(line).type)}\ndata: ${line}\n\n`)
    const timer = setInterval(() => res.write('event: ping\ndata: {"type":"ping"}\n\n'), 50)
    res.on("close", () => clearInterval(timer))
    return
  }
  const fixture = fixtures[model]
  if (body["stream"] === true && fixture?.stream !== undefined) {
    res.writeHead(200, { "content-type": "text/event-stream" })
    for (const line of fixture.stream) res.write(`event: ${String(JSON.parse(line).type)}\ndata: ${line}\n\n`)
    res.end()
    return
  }
  if (body["stream"] !== true && fixture?.json !== undefined) {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify(fixture.json))
    return
  }
  res.writeHead(404, { "content-type": "application/json" })
  res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "model not found" } }))
})
const { received } = upstream

const backend = (overrides: Partial<AnthropicBackendOptions> = {}) =>
  createAnthropicBackend({
    ...testUpstreamOptions(upstream.url(), "sk-ant-test"),
    version: ANTHROPIC_DEFAULTS.version,
    betas: [],
    request: { defaultMaxTokens: ANTHROPIC_DEFAULTS.defaultMaxTokens },
    thinkingStore: createThinkingBlockStore({ ...DEFAULT_THINKING_STORE, now: Date.now }),
    now: Date.now,
    ...overrides,
  })
const call = (model: string, messages: readonly Message[] = [{ role: "user", content: "hi" }], opts: Partial<GenerateOpts> = {}, tools: ChatCall["input"]["tools"] = undefined): ChatCall => ({
  input: tools === undefined ? { messages } : { messages, tools },
  opts: { model, ...opts },
  stream: false,
  includeUsage: false,
})
const lastReceived = (): ReceivedRequest => {
  const last = received.at(-1)
  if (last === undefined) throw new Error("the upstream received nothing")
  return last
}
const calcTool = [{ name: "calc", parameters: { type: "object", properties: { x: { type: "number" } } } }]

describe("the Anthropic backend", () => {
  it("posts to /v1/messages with the key, the version header, the system prompt apart and the default max_tokens", async () => {
    const result = await backend({ version: "2099-01-01" }).generate(
      call("text", [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ]),
      callContext(),
    )
    expect(result.content).toBe("Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?")
    expect(result.usage).toMatchObject({ promptTokens: 12, completionTokens: 29, totalTokens: 41 })
    const sent = lastReceived()
    expect(sent.path).toBe("/v1/messages")
    expect(sent.headers["x-api-key"]).toBe("sk-ant-test")
    expect(sent.headers["anthropic-version"]).toBe("2099-01-01")
    expect(sent.headers["authorization"]).toBeUndefined()
    expect(sent.body).toEqual({ model: "text", max_tokens: 4096, system: [{ type: "text", text: "be brief" }], messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] })
  })

  it("sends the client's token limit over the default, and the configured default otherwise", async () => {
    await backend().generate(call("text", undefined, { maxCompletionTokens: 77 }), callContext())
    expect(lastReceived().body["max_tokens"]).toBe(77)
    await backend({ request: { defaultMaxTokens: 1234 } }).generate(call("text"), callContext())
    expect(lastReceived().body["max_tokens"]).toBe(1234)
  })

  it("sends multi-turn images (base64 and URL) and PDF documents as Anthropic blocks", async () => {
    const messages: Message[] = [
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" },
          { type: "image", url: "https://example.com/cat.jpg" },
        ],
      },
      { role: "assistant", content: "a cat" },
      { role: "user", content: [{ type: "file", filename: "paper.pdf", fileData: "data:application/pdf;base64,JVBERi0x" }] },
    ]
    await backend().generate(call("text", messages), callContext())
    expect(lastReceived().body["messages"]).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "a cat" }] },
      { role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" }, title: "paper.pdf" }] },
    ])
  })

  it("sends a client's prompt-caching breakpoints (cache_control on parts) to the API on the same blocks", async () => {
    const decoded = decodeChatRequest({
      model: "text",
      messages: [
        { role: "system", content: [{ type: "text", text: "long rules", cache_control: { type: "ephemeral", ttl: "1h" } }] },
        {
          role: "user",
          content: [
            { type: "text", text: "long document", cache_control: { type: "ephemeral" } },
            { type: "text", text: "question" },
          ],
        },
      ],
    })
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.error))
    await backend().generate(decoded.value, callContext())
    expect(lastReceived().body["system"]).toEqual([{ type: "text", text: "long rules", cache_control: { type: "ephemeral", ttl: "1h" } }])
    expect(lastReceived().body["messages"]).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "long document", cache_control: { type: "ephemeral" } },
          { type: "text", text: "question" },
        ],
      },
    ])
  })

  it("maps tool_choice auto/any/none/named and parallel_tool_calls=false", async () => {
    const cases: [NonNullable<GenerateOpts["toolChoice"]>, boolean | undefined, unknown][] = [
      ["auto", undefined, { type: "auto" }],
      ["required", undefined, { type: "any" }],
      ["none", undefined, { type: "none" }],
      [{ type: "function", name: "calc" }, undefined, { type: "tool", name: "calc" }],
      ["auto", false, { type: "auto", disable_parallel_tool_use: true }],
    ]
    for (const [toolChoice, parallelToolCalls, expected] of cases) {
      await backend().generate(call("tool-no-args", undefined, { toolChoice, ...(parallelToolCalls === undefined ? {} : { parallelToolCalls }) }, calcTool), callContext())
      expect(lastReceived().body["tool_choice"]).toEqual(expected)
      expect(lastReceived().body["tools"]).toEqual([{ name: "calc", input_schema: calcTool[0]?.parameters }])
    }
  })

  it("reads parallel tool calls and a call without arguments", async () => {
    const parallel = await backend().generate(call("parallel", undefined, {}, calcTool), callContext())
    expect(parallel.toolCalls).toEqual([
      { id: "toolu_01Paris", name: "weather", arguments: '{"city":"Paris"}' },
      { id: "toolu_01London", name: "weather", arguments: '{"city":"London"}' },
    ])
    expect(parallel.finishReason).toBe("tool_calls")
    const noArgs = await collectChunks(backend().generateStream({ ...call("tool-no-args"), stream: true }, callContext()))
    expect(noArgs.flatMap((c) => c.deltaToolCalls ?? [])).toContainEqual({ index: 0, argumentsDelta: "{}" })
  })

  it("streams input_json_delta tool arguments as tool-call fragments, and accounts the usage", async () => {
    const chunks = await collectChunks(backend().generateStream({ ...call("json-tool"), stream: true }, callContext()))
    const fragments = chunks.flatMap((c) => c.deltaToolCalls ?? [])
    expect(fragments[0]).toMatchObject({ index: 0, id: "toolu_01KFbKqPYSuAKujiL6mTfzYA", name: "json" })
    expect(fragments.map((f) => f.argumentsDelta ?? "").join("")).toBe('{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}')
    expect(chunks.findLast((c) => c.usage !== undefined)?.usage).toMatchObject({ promptTokens: 849, completionTokens: 47 })
    expect(chunks.find((c) => c.finishReason !== undefined)).toMatchObject({ finishReason: "tool_calls", rawFinishReason: "tool_use" })
  })

  it("takes the input tokens a stream restates in message_delta", async () => {
    const chunks = await collectChunks(backend().generateStream({ ...call("delta-input-tokens"), stream: true }, callContext()))
    expect(chunks.findLast((c) => c.usage !== undefined)?.usage).toMatchObject({ promptTokens: 61, completionTokens: 2 })
  })

  it("counts prompt-cache reads as cached tokens and writes as cache writes, inside the prompt", async () => {
    const result = await backend().generate(call("cached"), callContext())
    expect(result.usage).toMatchObject({ promptTokens: 2012, cachedTokens: 1800, cacheWriteTokens: 200, completionTokens: 29, totalTokens: 2041 })
  })

  it("maps stop reasons: refusal to content_filter, pause_turn to other, raw kept", async () => {
    expect(await backend().generate(call("refusal"), callContext())).toMatchObject({ finishReason: "content_filter", rawFinishReason: "refusal" })
    expect(await backend().generate(call("pause"), callContext())).toMatchObject({ finishReason: "other", rawFinishReason: "pause_turn" })
    const stream = await collectChunks(backend().generateStream({ ...call("refusal"), stream: true }, callContext()))
    expect(stream.find((c) => c.finishReason !== undefined)).toMatchObject({ finishReason: "content_filter", rawFinishReason: "refusal" })
  })

  it("structured output: a forced tool read back as content, or the native output format where configured", async () => {
    const schema = { type: "object", properties: { elements: { type: "array" } } }
    const forced = await backend().generate(call("json-tool", undefined, { responseFormat: { type: "json_schema", name: "out", schema } }), callContext())
    expect(lastReceived().body["tool_choice"]).toEqual({ type: "tool", name: "json" })
    expect(JSON.parse(forced.content ?? "")).toHaveProperty("elements")
    expect(forced.finishReason).toBe("stop")
    expect(forced.toolCalls).toBeUndefined()
    const native = await backend({ request: { defaultMaxTokens: 4096, nativeStructuredOutput: true } }).generate(call("json-native", undefined, { responseFormat: { type: "json_schema", name: "out", schema } }), callContext())
    expect(lastReceived().body["output_config"]).toEqual({ format: { type: "json_schema", schema } })
    expect(lastReceived().body).not.toHaveProperty("tool_choice")
    expect(JSON.parse(native.content ?? "")).toHaveProperty("recipe")
  })

  it("refuses what the API cannot take with a 400 naming the field, before anything is sent", async () => {
    const before = received.length
    const { reason } = await failureOf(() => backend().generate(call("text", undefined, { n: 2 }), callContext()))
    expect(reason).toMatchObject({ _tag: "InvalidRequest", param: "n" })
    const streamedRefusal = await failureOf(() => collectChunks(backend().generateStream({ ...call("text", undefined, { seed: 1 }), stream: true }, callContext())))
    expect(streamedRefusal.reason).toMatchObject({ _tag: "InvalidRequest", param: "seed" })
    expect(received.length).toBe(before)
  })

  it("overloaded 529 is a retryable 503 with the upstream's retry-after; the body stays with the operator", async () => {
    const { reason, detail } = await failureOf(() => backend().generate(call("overloaded"), callContext()))
    expect(reason).toMatchObject({ _tag: "UpstreamUnavailable", retryAfterMs: 7000 })
    if (reason === undefined) throw new Error("no reason")
    expect(isRetryable(reason)).toBe(true)
    const wire = toOpenAIError(reason)
    expect(wire.status).toBe(503)
    expect(wire.headers["retry-after"]).toBe("7")
    expect(JSON.stringify(wire.body)).not.toContain("internal.example")
    expect(detail).toContain("overloaded_error")
    const midStream = await failureOf(() => collectChunks(backend().generateStream({ ...call("overloaded-midstream"), stream: true }, callContext())))
    expect(midStream.reason?._tag).toBe("UpstreamUnavailable")
  })

  it("an error event mid-stream shows its message only as the model's config allows, as an error answer does", async () => {
    const stream = { ...call("overloaded-midstream"), stream: true }
    const shown = await failureOf(() => collectChunks(backend().generateStream(stream, callContext())))
    expect(shown.reason).toMatchObject({ _tag: "UpstreamUnavailable", message: "Overloaded" })
    const hidden = await failureOf(() => collectChunks(backend({ exposeUpstreamErrors: false }).generateStream(stream, callContext())))
    expect(hidden.reason).toEqual({ _tag: "UpstreamUnavailable" })
  })

  it("reads thinking as reasoning with its signed block, streamed and not", async () => {
    const result = await backend().generate(call("thinking", undefined, { reasoningEffort: "low" }), callContext())
    expect(lastReceived().body["thinking"]).toEqual({ type: "enabled", budget_tokens: 2048 })
    expect(result.reasoning).toBe("925 divided by 5 = 185")
    expect(result.thinkingBlocks).toEqual([recordedThinkingBlock])
    const chunks = await collectChunks(backend().generateStream({ ...call("thinking", undefined, { reasoningEffort: "low" }), stream: true }, callContext()))
    expect(chunks.map((c) => c.deltaReasoning ?? "").join("")).toBe("The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185")
    expect(chunks.flatMap((c) => c.thinkingBlocks ?? [])).toMatchObject([{ type: "thinking", signature: expect.stringMatching(/^EvQBCkYICxgCKkAxhD4N/) }])
  })

  it("gives a tool-use turn its signed thinking back when the client dropped it (non-streamed answer)", async () => {
    const anthropic = backend()
    const first = await anthropic.generate(call("thinking-tool", [{ role: "user", content: "925 / 5?" }], { reasoningEffort: "low" }, calcTool), callContext())
    expect(first.toolCalls).toEqual([{ id: "toolu_01ThinkCalc", name: "calc", arguments: '{"x":925}' }])
    // What an unmodified OpenAI client sends back: the assistant tool-call turn without thinking_blocks.
    const followUp = followUpOf(first)
    await anthropic.generate(call("text", followUp, { reasoningEffort: "low" }, calcTool), callContext())
    expect(assistantTurnSent()).toEqual([recordedThinkingBlock, { type: "tool_use", id: "toolu_01ThinkCalc", name: "calc", input: { x: 925 } }])
    // Another backend instance (another node) has nothing to give back.
    await backend().generate(call("text", followUp, { reasoningEffort: "low" }, calcTool), callContext())
    expect(assistantTurnSent()).toEqual([{ type: "tool_use", id: "toolu_01ThinkCalc", name: "calc", input: { x: 925 } }])
  })

  it("gives a tool-use turn its signed thinking back when the client dropped it (streamed answer)", async () => {
    const anthropic = backend()
    const chunks = await collectChunks(anthropic.generateStream({ ...call("thinking-tool", [{ role: "user", content: "925 / 5?" }], { reasoningEffort: "low" }, calcTool), stream: true }, callContext()))
    const signature = chunks.flatMap((c) => c.thinkingBlocks ?? [])[0]
    expect(signature?.type).toBe("thinking")
    const followUp: Message[] = [
      { role: "user", content: "925 / 5?" },
      { role: "assistant", content: null, toolCalls: [{ id: "toolu_01ThinkCalcStream", name: "calc", arguments: '{"x":925}' }] },
      { role: "tool", toolCallId: "toolu_01ThinkCalcStream", content: "185" },
    ]
    await anthropic.generate(call("text", followUp, { reasoningEffort: "low" }, calcTool), callContext())
    expect(assistantTurnSent()).toEqual([signature, { type: "tool_use", id: "toolu_01ThinkCalcStream", name: "calc", input: { x: 925 } }])
    // With thinking off, nothing is added: the API needs the blocks only with thinking on.
    await anthropic.generate(call("text", followUp, {}, calcTool), callContext())
    expect(assistantTurnSent()).toEqual([{ type: "tool_use", id: "toolu_01ThinkCalcStream", name: "calc", input: { x: 925 } }])
  })

  it("maps a 200 whose body is an Anthropic error as that error: a rate_limit_error is a 429 with its message", async () => {
    const { reason, detail } = await failureOf(backend().generate(call("anthropic-rate-limit"), callContext()))
    expect(reason).toMatchObject({ _tag: "RateLimited", message: expect.stringContaining("per-minute rate limit") })
    expect(detail).toContain("req_011CSHoEeqs5C35K2UUqR7Fy")
  })

  it("ends a stream that only pings after its first text at the idle timeout: a ping is not content", async () => {
    const started = Date.now()
    const timeouts = { ...testUpstreamOptions("", undefined).timeouts, firstByteMs: 30_000, idleMs: 400, totalMs: 60_000 }
    const { reason } = await failureOf(collectChunks(backend({ timeouts }).generateStream({ ...call("pings-forever"), stream: true }, callContext())))
    expect(reason).toEqual({ _tag: "UpstreamTimeout", phase: "idle" })
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it("is generative only: embed refuses", async () => {
    const { reason } = await failureOf(() => backend().embed({ input: "x", opts: { model: "text" }, encodingFormat: "float" }, callContext()))
    expect(reason).toMatchObject({ _tag: "InvalidRequest", param: "model" })
  })
})

function followUpOf(first: GenerateResult): Message[] {
  return [
    { role: "user", content: "925 / 5?" },
    { role: "assistant", content: first.content, toolCalls: first.toolCalls ?? [] },
    { role: "tool", toolCallId: first.toolCalls?.[0]?.id ?? "", content: "185" },
  ]
}

function assistantTurnSent(): unknown {
  const messages: unknown = lastReceived().body["messages"]
  if (!Array.isArray(messages)) throw new Error("no messages sent")
  const turn: unknown = messages.find((message: unknown) => typeof message === "object" && message !== null && Reflect.get(message, "role") === "assistant")
  return typeof turn === "object" && turn !== null ? Reflect.get(turn, "content") : undefined
}
