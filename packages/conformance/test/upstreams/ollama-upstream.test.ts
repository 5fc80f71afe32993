/**
 * The conformance Ollama upstream, spoken to by the real ollama backend (no Harper): the
 * answers the suite's scenarios rely on arrive in Ollama's wire format and decode to what
 * the OpenAI upstream gives (the recorded text, tool calls, schema-shaped JSON, vectors).
 */
import { GatewayFailure, type ChatCall, type GenerateChunk } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createOllamaBackend } from "../../../models/src/backends/ollama-backend.ts"
import { callContext, collectChunks, testUpstreamOptions } from "../../../models/test/backend-calls.ts"
import { recordedDir } from "../../../translate/test/shared-dir.ts"
import { startConformanceUpstream, type ConformanceUpstream } from "../conformance-upstream.ts"
import { recordedStreamText, recordedText, recordedWeatherArgs } from "../recorded-openai-text.ts"
import { ollamaUpstream } from "./ollama-upstream.ts"

let upstream: ConformanceUpstream
beforeAll(async () => {
  upstream = await startConformanceUpstream(recordedDir, [ollamaUpstream])
})
afterAll(async () => {
  await upstream.close()
})

const backend = () => createOllamaBackend({ ...testUpstreamOptions(upstream.url, undefined), ollama: {} })
const call = (input: ChatCall["input"], opts: Partial<ChatCall["opts"]> = {}, stream = false): ChatCall => ({ input, opts: { model: "llama3.2", ...opts }, stream, includeUsage: stream })
const hello: ChatCall["input"] = { messages: [{ role: "user", content: "Say hello" }] }
const weather = { name: "weather", description: "Weather for a location", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } }
describe("the conformance Ollama upstream", () => {
  it("answers plain chat with the recorded text on the documented envelope and counts", async () => {
    const result = await backend().generate(call(hello), callContext())
    expect(result.content).toBe(recordedText)
    expect(result.model).toBe("llama3.2")
    // chat-tools.json's documented counts.
    expect(result.usage).toMatchObject({ promptTokens: 169, completionTokens: 18 })
    expect(upstream.requests.at(-1)?.path).toBe("/api/chat")
  })

  it("streams the recorded stream's text as NDJSON lines, then the documented done line", async () => {
    const chunks = await collectChunks(backend().generateStream(call(hello, {}, true), callContext()))
    expect(chunks.map((chunk) => chunk.deltaContent ?? "").join("")).toBe(recordedStreamText)
    // chat-stream.ndjson's documented final line.
    expect(chunks.at(-1)).toMatchObject({ finishReason: "stop", usage: { promptTokens: 26, completionTokens: 282 } })
  })

  it("calls an offered tool with the recorded arguments, whole, streamed or not", async () => {
    const whole = await backend().generate(call({ ...hello, tools: [weather] }), callContext())
    expect(whole.finishReason).toBe("tool_calls")
    expect(whole.toolCalls?.map((toolCall) => [toolCall.name, JSON.parse(toolCall.arguments)])).toEqual([["weather", JSON.parse(recordedWeatherArgs)]])
    const chunks = await collectChunks(backend().generateStream(call({ ...hello, tools: [weather] }, {}, true), callContext()))
    expect(chunks.at(-1)?.finishReason).toBe("tool_calls")
    expect(
      JSON.parse(
        chunks
          .flatMap((chunk) => chunk.deltaToolCalls ?? [])
          .map((delta) => delta.argumentsDelta ?? "")
          .join(""),
      ),
    ).toEqual(JSON.parse(recordedWeatherArgs))
  })

  it("echoes a tool result, and answers a JSON schema with an instance of it", async () => {
    const afterTool = await backend().generate(
      call({
        messages: [
          { role: "user", content: "Weather?" },
          { role: "assistant", content: null, toolCalls: [{ id: "call_0", name: "weather", arguments: '{"location":"Paris"}' }] },
          { role: "tool", toolCallId: "call_0", content: "sunny" },
        ],
        tools: [weather],
      }),
      callContext(),
    )
    expect(afterTool.content).toBe("Based on the tool: sunny")
    expect(upstream.requests.at(-1)?.body["messages"]).toContainEqual({ role: "tool", content: "sunny", tool_name: "weather" })
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
    const shaped = await backend().generate(call(hello, { responseFormat: { type: "json_schema", name: "city", schema } }), callContext())
    expect(upstream.requests.at(-1)?.body["format"]).toEqual(schema)
    expect(JSON.parse(shaped.content ?? "")).toEqual({ city: "San Francisco" })
  })

  it("embeds several inputs with the dimensions asked for", async () => {
    const result = await backend().embed({ input: ["a", "b"], opts: { model: "all-minilm", dimensions: 8 }, encodingFormat: "float" }, callContext())
    expect(result.vectors.map((vector) => vector.length)).toEqual([8, 8])
    expect(result.vectors[1]?.[0]).toBe(Math.fround(2 / 2))
  })

  it("a fault model's error maps through the error mapper", async () => {
    const error: unknown = await backend()
      .generate(call(hello, { model: "fault-500" }), callContext())
      .then(
        () => undefined,
        (failure: unknown) => failure,
      )
    expect(GatewayFailure.reasonOf(error)).toMatchObject({ _tag: "UpstreamError", upstreamStatus: 500 })
  })

  it("streams a slow model's text slowly, and a client that leaves closes the upstream request", async () => {
    const controller = new AbortController()
    const seen: GenerateChunk[] = []
    const error: unknown = await (async () => {
      for await (const batch of backend().generateStream(call(hello, { model: "slow-text" }, true), { signal: controller.signal })) {
        seen.push(...batch)
        if (seen.length === 2) controller.abort()
      }
    })().then(
      () => undefined,
      (failure: unknown) => failure,
    )
    expect(GatewayFailure.reasonOf(error)).toEqual({ _tag: "Cancelled" })
    const request = upstream.requests.at(-1)
    for (let i = 0; i < 50 && request?.closedEarly !== true; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(request?.closedEarly).toBe(true)
  })
})
