import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { recordedJson, recordedStreamLines } from "../../test/recorded-provider.ts"
import { reencodeForOpenAIClients } from "../../test/reencode-stream.ts"
import type { ChatCall } from "../chat/chat-call.ts"
import type { StreamDecoderOutput } from "../chat/stream-decoder.ts"
import { toChatCompletion } from "../chat/to-chat-completion.ts"
import { toOpenAIError } from "../errors/to-openai-error.ts"
import type { GenerateOpts, GenerateResult, Message, ToolDef } from "../model/types.ts"
import { embedInputCount } from "../embeddings/embed-call.ts"
import { encodeEmbedBatches, encodeEmbedRequest, fromEmbedResponse, joinEmbedResults } from "./embed.ts"
import { GEMINI_SKIP_SIGNATURE_VALIDATOR } from "./contents-to-gemini.ts"
import { encodeGenerateRequest, geminiGeneratePath } from "./encode-generate-request.ts"
import { fromGeminiError } from "./from-gemini-error.ts"
import { fromGenerateResponse } from "./from-generate-response.ts"
import { decodeGeminiStreamEvent, initialGeminiStreamState } from "./stream-decoder.ts"
import { fold, runReducer, successOf } from "../../test/provider-stream.ts"

const identity = { id: "chatcmpl-1", created: 1_700_000_000, model: "gemini" }
const validateCompletion = specValidator("CreateChatCompletionResponse")

function decodeStream(lines: readonly string[], end = true): StreamDecoderOutput[] {
  return runReducer(initialGeminiStreamState(), decodeGeminiStreamEvent, [...lines.map((data) => ({ type: "data" as const, data })), ...(end ? [{ type: "end" as const }] : [])])
}

function decoded(body: unknown): GenerateResult {
  return successOf(fromGenerateResponse(body))
}

describe("Gemini non-streamed answers (real recordings)", () => {
  it("reads text, identity, and usage with thoughts counted as reasoning inside completion", () => {
    const result = decoded(recordedJson("gemini", "google-text"))
    expect(result.content).toBe("There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.")
    expect(result.finishReason).toBe("stop")
    expect(result.rawFinishReason).toBe("STOP")
    expect(result.id).toBe("Un6LacrVMcjUxs0PmJfWoQc")
    expect(result.model).toBe("gemini-3-pro-preview")
    expect(result.usage).toMatchObject({ promptTokens: 9, completionTokens: 272, reasoningTokens: 244, totalTokens: 281 })
    expect(result.usage?.raw).toHaveProperty("promptTokensDetails")
  })

  it("reads a function call as a tool call (STOP becomes tool_calls), keeping its thought signature", () => {
    const result = decoded(recordedJson("gemini", "google-tool-call"))
    expect(result.finishReason).toBe("tool_calls")
    expect(result.rawFinishReason).toBe("STOP")
    expect(result.content).toBeNull()
    expect(result.toolCalls).toHaveLength(1)
    expect(result.toolCalls?.[0]).toMatchObject({ id: "call_0", name: "weather", arguments: '{"location":"San Francisco"}' })
    expect(result.toolCalls?.[0]?.signature?.startsWith("EskgCsYgAb4+9vtF7")).toBe(true)
  })

  it("reads thought parts as reasoning", () => {
    const result = decoded({ candidates: [{ content: { role: "model", parts: [{ text: "Count the r's.", thought: true }, { text: "3" }] }, finishReason: "STOP" }], responseId: "r", modelVersion: "m" })
    expect(result.reasoning).toBe("Count the r's.")
    expect(result.content).toBe("3")
  })

  it("safety stops and blocked prompts are content_filter with the raw reason", () => {
    expect(decoded({ candidates: [{ content: { parts: [] }, finishReason: "SAFETY" }], responseId: "r", modelVersion: "m" })).toMatchObject({ finishReason: "content_filter", rawFinishReason: "SAFETY" })
    expect(decoded({ candidates: [{ finishReason: "PROHIBITED_CONTENT" }], responseId: "r", modelVersion: "m" })).toMatchObject({ finishReason: "content_filter" })
    expect(decoded({ promptFeedback: { blockReason: "SAFETY" }, responseId: "r", modelVersion: "m" })).toMatchObject({ content: "", finishReason: "content_filter", rawFinishReason: "SAFETY" })
    expect(decoded({ candidates: [{ content: { parts: [{ text: "…" }] }, finishReason: "MAX_TOKENS" }], responseId: "r", modelVersion: "m" })).toMatchObject({ finishReason: "length" })
  })

  it("reads cached content tokens and every candidate by index", () => {
    const result = decoded({
      candidates: [
        { content: { parts: [{ text: "b" }] }, finishReason: "STOP", index: 1 },
        { content: { parts: [{ text: "a" }] }, finishReason: "STOP", index: 0 },
      ],
      usageMetadata: { promptTokenCount: 2000, cachedContentTokenCount: 1500, candidatesTokenCount: 2, totalTokenCount: 2002 },
      responseId: "r",
      modelVersion: "m",
    })
    expect(result.content).toBe("a")
    expect(result.additionalChoices).toEqual([{ index: 1, content: "b", finishReason: "stop", rawFinishReason: "STOP" }])
    expect(result.usage).toMatchObject({ promptTokens: 2000, cachedTokens: 1500, completionTokens: 2, totalTokens: 2002 })
  })

  it("names calls Gemini gave no id with the caller's prefix, so ids differ between calls; a later candidate's calls carry its index", () => {
    const recorded = successOf(fromGenerateResponse(recordedJson("gemini", "google-tool-call"), { toolCallIdPrefix: "call_k3Xq_" }))
    expect(recorded.toolCalls?.[0]?.id).toBe("call_k3Xq_0")
    const call = (name: string) => ({ functionCall: { name, args: {} } })
    const two = successOf(
      fromGenerateResponse(
        {
          candidates: [
            { content: { parts: [call("a"), call("b")] }, finishReason: "STOP", index: 0 },
            { content: { parts: [call("c"), { functionCall: { name: "d", args: {}, id: "given" } }] }, finishReason: "STOP", index: 1 },
          ],
          responseId: "r",
          modelVersion: "m",
        },
        { toolCallIdPrefix: "p_" },
      ),
    )
    expect(two.toolCalls?.map((c) => c.id)).toEqual(["p_0", "p_1"])
    // Gemini's own id, when it gives one, is kept.
    expect(two.additionalChoices?.[0]?.toolCalls?.map((c) => c.id)).toEqual(["p_c1_0", "given"])
  })

  it.each(["google-text", "google-tool-call", "google-reasoning"])("%s re-encoded for OpenAI clients is a valid chat completion", (name) => {
    expect(validateCompletion(toChatCompletion(decoded(recordedJson("gemini", name)), identity))).toEqual([])
  })
})

describe("Gemini streams (real recordings)", () => {
  it("streams text; the empty part with the signature adds nothing; usage is the last", () => {
    const result = fold(decodeStream(recordedStreamLines("gemini", "google-text")))
    expect(result.content).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y')
    expect(result.id).toBe("bH6LaZW8Fp_3nsEPqtaSwQ4")
    expect(result.finishReason).toBe("stop")
    expect(result.usage?.promptTokens).toBe(9)
  })

  it("streams a whole function call and finishes with tool_calls, signature kept", () => {
    const result = fold(decodeStream(recordedStreamLines("gemini", "google-tool-call")))
    expect(result.toolCalls).toHaveLength(1)
    expect(result.toolCalls?.[0]).toMatchObject({ id: "call_0", name: "weather", arguments: '{"location":"San Francisco"}' })
    expect(result.toolCalls?.[0]?.signature?.startsWith("EqUCCqICAb4+9vsh8Pd5")).toBe(true)
    expect(result.finishReason).toBe("tool_calls")
  })

  it("names streamed calls with the caller's prefix (the recorded calls have no id)", () => {
    const lines = recordedStreamLines("gemini", "google-stream-tool-call-arguments")
    const outputs = runReducer(initialGeminiStreamState(undefined, { toolCallIdPrefix: "call_z9_" }), decodeGeminiStreamEvent, [...lines.map((data) => ({ type: "data" as const, data })), { type: "end" as const }])
    expect(fold(outputs).toolCalls?.map((call) => call.id)).toEqual(["call_z9_0", "call_z9_1"])
  })

  it("assembles calls whose arguments stream by JSON path (two calls, one after another)", () => {
    const result = fold(decodeStream(recordedStreamLines("gemini", "google-stream-tool-call-arguments")))
    expect(result.toolCalls?.map((call) => [call.name, JSON.parse(call.arguments)])).toEqual([
      ["getWeather", { location: "Boston" }],
      ["getWeather", { location: "San Francisco" }],
    ])
    expect(result.toolCalls?.[0]?.signature?.startsWith("CiMBjz1rX25KieIB4d4A")).toBe(true)
    expect(result.toolCalls?.[1]?.signature).toBeUndefined()
    expect(result.finishReason).toBe("tool_calls")
    expect(result.usage).toMatchObject({ promptTokens: 26, completionTokens: 155, reasoningTokens: 132 })
  })

  it.each(["google-text", "google-tool-call", "google-reasoning", "google-stream-tool-call-arguments"])("%s re-encoded for OpenAI clients is a valid chunk stream ending in [DONE]", (name) => {
    const { problems, done } = reencodeForOpenAIClients(decodeStream(recordedStreamLines("gemini", name)))
    expect(problems).toEqual([])
    expect(done).toBe(true)
  })

  it("an error body inside the stream ends it with its reason (the recorded 429 waits its RetryInfo delay)", () => {
    const error = JSON.stringify(recordedJson("gemini", "google-429-retry-info"))
    const outputs = decodeStream([recordedStreamLines("gemini", "google-text")[0] ?? "", error])
    expect(outputs.at(-1)).toMatchObject({ type: "error", error: { _tag: "RateLimited", retryAfterMs: 34400 } })
  })

  it("an in-stream error's message follows exposeMessage, as error bodies do", () => {
    const frame = JSON.stringify({ error: { code: 503, message: "The model is overloaded for project tenant-x. Please try again later.", status: "UNAVAILABLE" } })
    const run = (options: { readonly exposeMessage?: boolean }) => JSON.stringify(runReducer(initialGeminiStreamState(undefined, options), decodeGeminiStreamEvent, [{ type: "data" as const, data: frame }]).at(-1))
    expect(run({})).toContain("tenant-x")
    expect(run({ exposeMessage: true })).toContain("tenant-x")
    expect(run({ exposeMessage: false })).not.toContain("tenant-x")
    expect(run({ exposeMessage: false })).toContain('"type":"error"')
  })

  it("a stream cut before a finish reason is an error", () => {
    const lines = recordedStreamLines("gemini", "google-text").slice(0, 2)
    expect(decodeStream(lines).at(-1)).toMatchObject({ type: "error", error: { code: "upstream_stream_incomplete" } })
  })
})

describe("Gemini laws", () => {
  const part = fc.oneof(
    fc.record({ text: fc.string({ minLength: 1, maxLength: 20 }) }),
    fc.record({ text: fc.string({ minLength: 1, maxLength: 20 }), thought: fc.constant(true) }),
    fc.record({ functionCall: fc.record({ name: fc.stringMatching(/^[a-z]{1,8}$/), args: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }) }) }),
  )
  const answer = fc.record({ parts: fc.array(part, { maxLength: 6 }), split: fc.nat({ max: 6 }), finish: fc.constantFrom("STOP", "MAX_TOKENS", "SAFETY", "OTHER") })

  it("a stream folded gives what the non-streamed answer with the same parts decodes to", () => {
    fc.assert(
      fc.property(answer, ({ parts, split, finish }) => {
        const usageMetadata = { promptTokenCount: 5, candidatesTokenCount: 7, totalTokenCount: 12 }
        const events = [parts.slice(0, split), parts.slice(split)].map((chunk, i) =>
          JSON.stringify({ candidates: [{ content: { role: "model", parts: chunk }, ...(i === 1 ? { finishReason: finish } : {}) }], usageMetadata, responseId: "r", modelVersion: "m" }),
        )
        const whole = decoded({ candidates: [{ content: { role: "model", parts }, finishReason: finish }], usageMetadata, responseId: "r", modelVersion: "m" })
        expect(fold(decodeStream(events))).toEqual(whole)
        expect(validateCompletion(toChatCompletion(whole, identity))).toEqual([])
      }),
    )
  })
})

const weather: ToolDef = { name: "weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } }
function call(messages: readonly Message[], opts: Partial<GenerateOpts> = {}, tools?: readonly ToolDef[]): ChatCall {
  return { input: tools === undefined ? { messages } : { messages, tools }, opts: { model: "gemini-2.5-flash", ...opts }, stream: false, includeUsage: false }
}

describe("Gemini request encoder", () => {
  it("maps system, a tool conversation with signatures and results by name, and generation settings", () => {
    const outcome = encodeGenerateRequest(
      call(
        [
          { role: "system", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "Weather?" },
              { type: "image", url: "data:image/png;base64,iVBO" },
            ],
          },
          { role: "assistant", content: null, toolCalls: [{ id: "call_0", name: "weather", arguments: '{"city":"Paris"}', signature: "sig" }] },
          { role: "tool", toolCallId: "call_0", content: '{"temp":18}' },
          { role: "tool", toolCallId: "call_0", content: "sunny" },
        ],
        {
          temperature: 0.2,
          topP: 0.9,
          maxCompletionTokens: 100,
          stop: "END",
          n: 2,
          seed: 3,
          presencePenalty: 0.1,
          frequencyPenalty: 0.2,
          passthrough: { top_k: 5 },
          toolChoice: { type: "function", name: "weather" },
          reasoningEffort: "low",
        },
        [weather],
      ),
    )
    expect(outcome.ok && outcome.value).toEqual({
      systemInstruction: { parts: [{ text: "Be brief." }] },
      contents: [
        { role: "user", parts: [{ text: "Weather?" }, { inlineData: { mimeType: "image/png", data: "iVBO" } }] },
        { role: "model", parts: [{ functionCall: { name: "weather", args: { city: "Paris" } }, thoughtSignature: "sig" }] },
        { role: "user", parts: [{ functionResponse: { name: "weather", response: { temp: 18 } } }, { functionResponse: { name: "weather", response: { result: "sunny" } } }] },
      ],
      generationConfig: {
        temperature: 0.2,
        topP: 0.9,
        topK: 5,
        maxOutputTokens: 100,
        stopSequences: ["END"],
        candidateCount: 2,
        seed: 3,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
      },
      tools: [{ functionDeclarations: [{ name: "weather", description: "Weather in a city", parameters: weather.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["weather"] } },
    })
  })

  it("sends a JSON schema as responseSchema (or responseJsonSchema) with the JSON mime type", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } }
    const format = { responseFormat: { type: "json_schema", name: "a", schema } } as const
    const plain = encodeGenerateRequest(call([{ role: "user", content: "x" }], format))
    expect(plain.ok && plain.value.generationConfig).toEqual({ responseMimeType: "application/json", responseSchema: schema })
    const full = encodeGenerateRequest(call([{ role: "user", content: "x" }], format), { jsonSchemaFields: true })
    expect(full.ok && full.value.generationConfig).toEqual({ responseMimeType: "application/json", responseJsonSchema: schema })
    expect(geminiGeneratePath("gemini-2.5-flash", true)).toBe("models/gemini-2.5-flash:streamGenerateContent?alt=sse")
  })

  it.each([
    [{ logprobs: true }, "logprobs"],
    [{ parallelToolCalls: false }, "parallel_tool_calls"],
    [{ passthrough: { logit_bias: {} } }, "logit_bias"],
  ] as const)("refuses %j with a 400 naming %s", (opts, param) => {
    const outcome = encodeGenerateRequest(call([{ role: "user", content: "x" }], opts))
    expect(!outcome.ok && outcome.error).toMatchObject({ _tag: "InvalidRequest", param })
  })

  it("signs the first call of a replayed turn that lost its signatures with the configured sentinel, never over a real one", () => {
    const paris = { id: "call_0", name: "weather", arguments: '{"city":"Paris"}' }
    const rome = { id: "call_1", name: "weather", arguments: '{"city":"Rome"}' }
    const calls = [paris, rome]
    const unsigned = encodeGenerateRequest(
      call([
        { role: "user", content: "x" },
        { role: "assistant", content: null, toolCalls: calls },
      ]),
      { unsignedToolCallSignature: GEMINI_SKIP_SIGNATURE_VALIDATOR },
    )
    expect(unsigned.ok && unsigned.value.contents[1]?.parts).toEqual([
      { functionCall: { name: "weather", args: { city: "Paris" } }, thoughtSignature: "skip_thought_signature_validator" },
      { functionCall: { name: "weather", args: { city: "Rome" } } },
    ])
    const signed = encodeGenerateRequest(
      call([
        { role: "user", content: "x" },
        { role: "assistant", content: null, toolCalls: [{ ...paris, signature: "real" }, rome] },
      ]),
      { unsignedToolCallSignature: GEMINI_SKIP_SIGNATURE_VALIDATOR },
    )
    expect(signed.ok && signed.value.contents[1]?.parts.map((part) => ("thoughtSignature" in part ? part.thoughtSignature : undefined))).toEqual(["real", undefined])
    const plain = encodeGenerateRequest(
      call([
        { role: "user", content: "x" },
        { role: "assistant", content: null, toolCalls: calls },
      ]),
    )
    expect(plain.ok && plain.value.contents[1]?.parts.some((part) => "thoughtSignature" in part)).toBe(false)
  })

  it("refuses image URLs it cannot inline and tool results answering no call", () => {
    const image = encodeGenerateRequest(call([{ role: "user", content: [{ type: "image", url: "https://example.com/a.png" }] }]))
    expect(!image.ok && image.error).toMatchObject({ param: "messages[0].content[0].image_url.url" })
    const orphan = encodeGenerateRequest(call([{ role: "tool", toolCallId: "nope", content: "x" }]))
    expect(!orphan.ok && orphan.error).toMatchObject({ param: "messages[0].tool_call_id" })
  })

  it("an assistant turn encoded and echoed back decodes to the same text and tool calls (signatures included)", () => {
    const turn = fc.record({
      text: fc.string({ minLength: 1, maxLength: 20 }),
      calls: fc.array(
        fc.record({
          name: fc.stringMatching(/^[a-z]{1,8}$/),
          args: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
          signature: fc.option(fc.base64String({ minLength: 4, maxLength: 12 }), { nil: undefined }),
        }),
        { maxLength: 3 },
      ),
    })
    fc.assert(
      fc.property(turn, ({ text, calls }) => {
        const toolCalls = calls.map((c, i) => ({ id: `call_${i}`, name: c.name, arguments: JSON.stringify(c.args), ...(c.signature === undefined ? {} : { signature: c.signature }) }))
        const outcome = encodeGenerateRequest(
          call([
            { role: "user", content: "go" },
            { role: "assistant", content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
          ]),
        )
        if (!outcome.ok) throw new Error("refused")
        const echoed = decoded({ candidates: [{ content: outcome.value.contents[1], finishReason: "STOP" }], responseId: "r", modelVersion: "m" })
        expect(echoed.content ?? "").toBe(text)
        expect(echoed.toolCalls ?? []).toEqual(toolCalls)
      }),
    )
  })
})

describe("Gemini embeddings and errors", () => {
  it("one input is embedContent, several are batchEmbedContents, read back in order", () => {
    const one = encodeEmbedRequest({ input: "hi", opts: { model: "text-embedding-004", dimensions: 8, inputType: "query" }, encodingFormat: "float" })
    expect(one.ok && one.value).toEqual({
      method: "embedContent",
      path: "models/text-embedding-004:embedContent",
      body: { model: "models/text-embedding-004", content: { parts: [{ text: "hi" }] }, taskType: "RETRIEVAL_QUERY", outputDimensionality: 8 },
    })
    const many = encodeEmbedRequest({ input: ["a", "b"], opts: { model: "text-embedding-004" }, encodingFormat: "float" })
    expect(many.ok && many.value.method).toBe("batchEmbedContents")
    const result = fromEmbedResponse({ embeddings: [{ values: [0.1, 0.2] }, { values: [0.3, 0.4] }] }, embedInputCount(["a", "b"]))
    expect(result.ok && result.value.asSent).toEqual({
      encoding: "float",
      vectors: [
        [0.1, 0.2],
        [0.3, 0.4],
      ],
    })
    expect(result.ok && Array.from(result.value.vectors[1] ?? [])).toEqual([Math.fround(0.3), Math.fround(0.4)])
    expect(fromEmbedResponse({ embedding: { values: [1, 2] } }, 1).ok).toBe(true)
    expect(fromEmbedResponse({ embeddings: [{ values: [1] }] }, 2).ok).toBe(false)
    const tokens = encodeEmbedRequest({ input: [1, 2, 3], opts: { model: "m" }, encodingFormat: "float" })
    expect(!tokens.ok && tokens.error).toMatchObject({ param: "input" })
  })

  it("reads the prompt token count when an embedding answer carries usageMetadata (Vertex documents it on EmbedContentResponse), none otherwise", () => {
    const counted = successOf(fromEmbedResponse({ embedding: { values: [0.5] }, usageMetadata: { promptTokenCount: 7 } }, 1))
    expect(counted.usage).toMatchObject({ promptTokens: 7, embeddingTokens: 7, totalTokens: 7 })
    expect(successOf(fromEmbedResponse({ embedding: { values: [0.5] } }, 1)).usage).toBeUndefined()
  })

  it("splits a call into batchEmbedContents requests of at most 100 inputs (Gemini's limit), and joins the answers in order", () => {
    const input = Array.from({ length: 205 }, (_, i) => `text ${i}`)
    const batches = successOf(encodeEmbedBatches({ input, opts: { model: "gemini-embedding-001", dimensions: 2 }, encodingFormat: "float" }))
    expect(batches.map((batch) => [batch.request.method, batch.count])).toEqual([
      ["batchEmbedContents", 100],
      ["batchEmbedContents", 100],
      ["batchEmbedContents", 5],
    ])
    const last = batches[2]?.request
    expect(last?.method === "batchEmbedContents" && last.body.requests.map((r) => r.content.parts[0]?.text)).toEqual(input.slice(200))
    const answer = (from: number, count: number) => successOf(fromEmbedResponse({ embeddings: Array.from({ length: count }, (_, i) => ({ values: [from + i, 0.5] })) }, count))
    const joined = joinEmbedResults([answer(0, 100), answer(100, 100), answer(200, 5)])
    expect(joined.vectors.map((vector) => vector[0])).toEqual(input.map((_, i) => i))
    expect(joined.asSent).toEqual({ encoding: "float", vectors: input.map((_, i) => [i, 0.5]) })
    expect(joined.usage).toBeUndefined()
    // Token ids are refused for the whole call, before any batch.
    const refused = encodeEmbedBatches({ input: Array.from({ length: 150 }, () => [1, 2]), opts: { model: "m" }, encodingFormat: "float" })
    expect(!refused.ok && refused.error).toMatchObject({ _tag: "InvalidRequest", param: "input[0]" })
  })

  it("joined usage is the sum when every part reports it", () => {
    const part = (tokens: number) => successOf(fromEmbedResponse({ embedding: { values: [1] }, usageMetadata: { promptTokenCount: tokens } }, 1))
    expect(joinEmbedResults([part(3), part(4)]).usage).toMatchObject({ promptTokens: 7, embeddingTokens: 7, totalTokens: 7 })
    expect(joinEmbedResults([part(3), successOf(fromEmbedResponse({ embedding: { values: [1] } }, 1))]).usage).toBeUndefined()
  })

  it("the recorded 429 is a rate limit that waits the RetryInfo delay", () => {
    const body = JSON.stringify(recordedJson("gemini", "google-429-retry-info"))
    const reason = fromGeminiError({ status: 429, body, header: () => undefined }, 0)
    expect(reason).toMatchObject({ _tag: "RateLimited", retryAfterMs: 34400 })
    expect(toOpenAIError(reason).status).toBe(429)
    // A header, when there is one, wins over the body.
    expect(fromGeminiError({ status: 429, body, header: (name) => (name === "retry-after" ? "3" : undefined) }, 0)).toMatchObject({ retryAfterMs: 3000 })
  })

  it("an input over the token limit is a context-length error", () => {
    const body = JSON.stringify({ error: { code: 400, message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", status: "INVALID_ARGUMENT" } })
    expect(fromGeminiError({ status: 400, body, header: () => undefined }, 0)).toMatchObject({ _tag: "ContextLengthExceeded" })
  })
})
