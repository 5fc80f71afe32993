import { isRetryable, toEmbeddingsResponse, type ChatCall, type Message } from "@harper-gateway/translate"
import { beforeEach, describe, expect, it } from "vitest"
import { recordedBody, recordedStreamLines } from "../../../translate/test/recorded-provider.ts"
import { callContext, collectChunks, failureOf, testUpstreamOptions } from "../../test/backend-calls.ts"
import { errorBody } from "../../test/error-bodies.ts"
import { localUpstream, type ReceivedRequest } from "../../test/local-upstream.ts"
import { createGeminiBackend, type GeminiBackendOptions } from "./gemini-backend.ts"
import { createThoughtSignatureStore } from "./thought-signature-store.ts"
import { DEFAULT_RETRIES, retryDelayMs } from "../routing/retry-policy.ts"

/**
 * The Gemini backend against a local upstream on 127.0.0.1 that replays:
 * - real recordings from ../shared/fixtures/recorded/gemini (Vercel AI SDK's fixtures,
 *   see its README): google-text, google-tool-call, google-stream-tool-call-arguments,
 *   google-429-retry-info;
 * - documented bodies where no recording exists: embedContent / batchEmbedContents
 *   answers as on https://ai.google.dev/api/embeddings (`{"embedding":{"values":[…]}}`,
 *   `{"embeddings":[{"values":[…]}, …]}`), and a blocked prompt as
 *   GenerateContentResponse.promptFeedback.blockReason is documented on
 *   https://ai.google.dev/api/generate-content (no candidates when the prompt is blocked).
 * Paths and the `x-goog-api-key` header as on https://ai.google.dev/api/generate-content
 * and https://ai.google.dev/gemini-api/docs/text-generation (REST examples).
 */

type Answer = { readonly status: number; readonly json: string } | { readonly sse: readonly string[] }

let answers: Answer[] = []
const upstream = localUpstream((_request, res) => {
  const answer = answers.shift()
  if (answer === undefined) {
    res.writeHead(500)
    return res.end()
  }
  if ("sse" in answer) {
    res.writeHead(200, { "content-type": "text/event-stream" })
    // As Gemini frames `?alt=sse`: `data: <json>\r\n\r\n`, no terminator.
    for (const line of answer.sse) res.write(`data: ${line}\r\n\r\n`)
    return res.end()
  }
  res.writeHead(answer.status, { "content-type": "application/json" })
  return res.end(answer.json)
})
const seen = upstream.received

beforeEach(() => {
  seen.length = 0
  answers = []
})

let prefixes = 0
const backend = (overrides: Partial<GeminiBackendOptions> = {}) =>
  createGeminiBackend({
    ...testUpstreamOptions(upstream.url(), "AIza-test-key"),
    apiVersion: "v1beta",
    request: {},
    signatures: createThoughtSignatureStore({ maxEntries: 100, maxChars: 1_000_000, ttlMs: 60_000 }),
    newToolCallIdPrefix: () => `call_t${++prefixes}_`,
    ...overrides,
  })
const chat = (model: string, messages: readonly Message[], stream = false): ChatCall => ({ input: { messages }, opts: { model }, stream, includeUsage: false })
const first = (): ReceivedRequest => {
  const request = seen[0]
  if (request === undefined) throw new Error("the upstream saw no request")
  return request
}

describe("Gemini backend: generateContent", () => {
  it("posts to /v1beta/models/{model}:generateContent with the key in x-goog-api-key only, and reads the recorded answer", async () => {
    answers = [{ status: 200, json: recordedBody("gemini", "google-text") }]
    const result = await backend().generate(
      chat("gemini-3-pro-preview", [
        { role: "system", content: "Be brief." },
        { role: "user", content: "How many r's in strawberry?" },
      ]),
      callContext(),
    )
    expect(first().method).toBe("POST")
    expect(first().path).toBe("/v1beta/models/gemini-3-pro-preview:generateContent")
    expect(first().headers["x-goog-api-key"]).toBe("AIza-test-key")
    expect(first().headers["authorization"]).toBeUndefined()
    expect(first().path).not.toContain("AIza")
    expect(first().body).toEqual({ contents: [{ role: "user", parts: [{ text: "How many r's in strawberry?" }] }], systemInstruction: { parts: [{ text: "Be brief." }] } })
    expect(result.content).toBe("There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.")
    expect(result.usage).toMatchObject({ promptTokens: 9, completionTokens: 28 + 244, reasoningTokens: 244, totalTokens: 281 })
  })

  it("a blocked prompt (documented promptFeedback, no candidates) is a content_filter finish", async () => {
    answers = [
      {
        status: 200,
        json: JSON.stringify({
          promptFeedback: { blockReason: "SAFETY", safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH" }] },
          usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 },
          modelVersion: "gemini-2.5-flash",
          responseId: "b1",
        }),
      },
    ]
    const result = await backend().generate(chat("gemini-2.5-flash", [{ role: "user", content: "…" }]), callContext())
    expect(result).toMatchObject({ content: "", finishReason: "content_filter", rawFinishReason: "SAFETY", usage: { promptTokens: 7 } })
  })

  it("refuses what Gemini cannot do with a 400 naming the field, before calling it", async () => {
    const call: ChatCall = { ...chat("gemini-2.5-flash", [{ role: "user", content: "x" }]), opts: { model: "gemini-2.5-flash", logprobs: true } }
    const { reason } = await failureOf(backend().generate(call, callContext()))
    expect(reason).toMatchObject({ _tag: "InvalidRequest", param: "logprobs" })
    const streamed = await failureOf(collectChunks(backend().generateStream({ ...call, stream: true }, callContext())))
    expect(streamed.reason).toMatchObject({ _tag: "InvalidRequest", param: "logprobs" })
    expect(seen).toHaveLength(0)
  })

  it("the recorded 429 with RetryInfo is a retryable rate limit waiting its retryDelay; the body stays with the operator", async () => {
    answers = [{ status: 429, json: recordedBody("gemini", "google-429-retry-info") }]
    const { reason, detail } = await failureOf(backend({ exposeUpstreamErrors: false }).generate(chat("gemini-2.5-flash", [{ role: "user", content: "x" }]), callContext()))
    expect(reason).toMatchObject({ _tag: "RateLimited", retryAfterMs: 34_400 })
    expect(reason !== undefined && isRetryable(reason)).toBe(true)
    expect(JSON.stringify(reason)).not.toContain("GenerateRequestsPerMinutePerProjectPerModel")
    expect(detail).toContain("GenerateRequestsPerMinutePerProjectPerModel")
    // The routing layer waits it when its cap allows, and ends that model's retries when it does not (default cap 30 s).
    if (reason === undefined) throw new Error("no reason")
    expect(retryDelayMs(reason, 0, { ...DEFAULT_RETRIES, maxRetryAfterMs: 60_000 }, () => 0.5)).toBe(34_400)
    expect(retryDelayMs(reason, 0, DEFAULT_RETRIES, () => 0.5)).toBeUndefined()
  })
})

describe("Gemini backend: an error answered with 200", () => {
  it("is the provider's error: the recorded 429 body with its retryDelay, a documented status-only INVALID_ARGUMENT as a 400", async () => {
    answers = [{ status: 200, json: recordedBody("gemini", "google-429-retry-info") }]
    const limited = await failureOf(backend().generate(chat("gemini-2.5-flash", [{ role: "user", content: "x" }]), callContext()))
    expect(limited.reason).toMatchObject({ _tag: "RateLimited", retryAfterMs: 34_400 })
    answers = [{ status: 200, json: errorBody("gemini-invalid-argument-status-only") }]
    const invalid = await failureOf(backend().generate(chat("gemini-2.5-flash", [{ role: "user", content: "x" }]), callContext()))
    expect(invalid.reason).toMatchObject({ _tag: "InvalidRequest", message: "Request contains an invalid argument." })
  })
})

describe("Gemini backend: streamGenerateContent", () => {
  it("asks for SSE at :streamGenerateContent?alt=sse and yields the recorded text with usage", async () => {
    answers = [{ sse: recordedStreamLines("gemini", "google-text") }]
    const chunks = await collectChunks(backend().generateStream(chat("gemini-3-pro-preview", [{ role: "user", content: "How many r's?" }], true), callContext()))
    expect(first().path).toBe("/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse")
    expect(first().headers["accept"]).toBe("text/event-stream")
    expect(first().headers["x-goog-api-key"]).toBe("AIza-test-key")
    expect(chunks.map((chunk) => chunk.deltaContent ?? "").join("")).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y')
    expect(chunks.at(-1)).toMatchObject({ finishReason: "stop", usage: { promptTokens: 9, completionTokens: 23 + 185, reasoningTokens: 185 } })
  })

  it("an error body inside the stream (the recorded 429 after the first recorded event) ends it with its reason; its message stays with the operator when not exposed", async () => {
    answers = [{ sse: [recordedStreamLines("gemini", "google-text")[0] ?? "", JSON.stringify(JSON.parse(recordedBody("gemini", "google-429-retry-info")))] }]
    const { reason } = await failureOf(collectChunks(backend({ exposeUpstreamErrors: false }).generateStream(chat("gemini-3-pro-preview", [{ role: "user", content: "x" }], true), callContext())))
    expect(reason).toMatchObject({ _tag: "RateLimited", retryAfterMs: 34_400 })
    expect(JSON.stringify(reason)).not.toContain("exceeded your current quota")
  })

  it("a stream cut before its finish is an error, not a short answer", async () => {
    answers = [{ sse: recordedStreamLines("gemini", "google-text").slice(0, 2) }]
    const { reason } = await failureOf(collectChunks(backend().generateStream(chat("gemini-3-pro-preview", [{ role: "user", content: "x" }], true), callContext())))
    expect(reason).toMatchObject({ _tag: "UpstreamError", code: "upstream_stream_incomplete" })
  })
})

describe("Gemini backend: thought signatures across turns", () => {
  const weatherTurn = (id: string): Message[] => [
    { role: "user", content: "Weather in San Francisco?" },
    // What an OpenAI client sends back: the call as it saw it, no signature.
    { role: "assistant", content: null, toolCalls: [{ id, name: "weather", arguments: '{"location":"San Francisco"}' }] },
    { role: "tool", toolCallId: id, content: '{"temp":18}' },
  ]
  const replayedCalls = (body: unknown) => {
    const contents = typeof body === "object" && body !== null && "contents" in body && Array.isArray(body.contents) ? body.contents : []
    return contents.filter((content: { role?: string }) => content.role === "model").flatMap((content: { parts?: unknown[] }) => content.parts ?? [])
  }

  it("gives each answer's calls ids of their own, and puts the recorded signature back on the replayed call", async () => {
    const gemini = backend()
    answers = [
      { status: 200, json: recordedBody("gemini", "google-tool-call") },
      { status: 200, json: recordedBody("gemini", "google-tool-call") },
    ]
    const one = await gemini.generate(chat("gemini-3-pro-preview", [{ role: "user", content: "Weather in San Francisco?" }]), callContext())
    const two = await gemini.generate(chat("gemini-3-pro-preview", [{ role: "user", content: "Weather in San Francisco?" }]), callContext())
    const id = one.toolCalls?.[0]?.id ?? ""
    expect(id).toMatch(/^call_t\d+_0$/)
    expect(two.toolCalls?.[0]?.id).not.toBe(id)

    answers = [{ status: 200, json: recordedBody("gemini", "google-text") }]
    seen.length = 0
    await gemini.generate(chat("gemini-3-pro-preview", weatherTurn(id)), callContext())
    const signature = JSON.parse(recordedBody("gemini", "google-tool-call")).candidates[0].content.parts[0].thoughtSignature
    expect(replayedCalls(first().body)).toEqual([{ functionCall: { name: "weather", args: { location: "San Francisco" } }, thoughtSignature: signature }])
  })

  it("keeps the signature of a streamed call (recorded partialArgs stream) for the next turn; the unsigned parallel call stays unsigned", async () => {
    const gemini = backend()
    answers = [{ sse: recordedStreamLines("gemini", "google-stream-tool-call-arguments") }]
    const chunks = await collectChunks(gemini.generateStream(chat("gemini-3.1-pro-preview", [{ role: "user", content: "Weather in Boston and San Francisco?" }], true), callContext()))
    const calls = chunks.flatMap((chunk) => chunk.deltaToolCalls ?? []).filter((delta) => delta.id !== undefined)
    expect(calls.map((delta) => delta.name)).toEqual(["getWeather", "getWeather"])
    const [boston, sf] = calls.map((delta) => delta.id ?? "")

    answers = [{ status: 200, json: recordedBody("gemini", "google-text") }]
    seen.length = 0
    const history: Message[] = [
      { role: "user", content: "Weather in Boston and San Francisco?" },
      {
        role: "assistant",
        content: null,
        toolCalls: [
          { id: boston ?? "", name: "getWeather", arguments: '{"location":"Boston"}' },
          { id: sf ?? "", name: "getWeather", arguments: '{"location":"San Francisco"}' },
        ],
      },
      { role: "tool", toolCallId: boston ?? "", content: "cold" },
      { role: "tool", toolCallId: sf ?? "", content: "mild" },
    ]
    await gemini.generate(chat("gemini-3.1-pro-preview", history), callContext())
    const recordedSignature = JSON.parse(recordedStreamLines("gemini", "google-stream-tool-call-arguments")[0] ?? "{}").candidates[0].content.parts[0].thoughtSignature
    expect(replayedCalls(first().body)).toEqual([{ functionCall: { name: "getWeather", args: { location: "Boston" } }, thoughtSignature: recordedSignature }, { functionCall: { name: "getWeather", args: { location: "San Francisco" } } }])
  })

  it("keeps Gemini 3's signature on a text part (recorded google-text, streamed and not) and puts it back on the replayed text", async () => {
    for (const stream of [false, true]) {
      const gemini = backend()
      answers = [stream ? { sse: recordedStreamLines("gemini", "google-text") } : { status: 200, json: recordedBody("gemini", "google-text") }]
      const question: Message = { role: "user", content: "How many r's in strawberry?" }
      const content = stream
        ? (await collectChunks(gemini.generateStream(chat("gemini-3-pro-preview", [question], true), callContext()))).map((chunk) => chunk.deltaContent ?? "").join("")
        : ((await gemini.generate(chat("gemini-3-pro-preview", [question]), callContext())).content ?? "")
      const recorded = stream ? recordedStreamLines("gemini", "google-text").map((line) => JSON.parse(line)) : [JSON.parse(recordedBody("gemini", "google-text"))]
      const signature = recorded.flatMap((event) => event.candidates?.[0]?.content?.parts ?? []).findLast((part: { thoughtSignature?: string }) => part.thoughtSignature !== undefined)?.thoughtSignature
      expect(typeof signature).toBe("string")

      answers = [{ status: 200, json: recordedBody("gemini", "google-text") }]
      seen.length = 0
      await gemini.generate(chat("gemini-3-pro-preview", [question, { role: "assistant", content }, { role: "user", content: "And in raspberry?" }]), callContext())
      expect(replayedCalls(first().body)).toEqual([{ text: content, thoughtSignature: signature }])

      // Another text (the client edited the answer) goes unsigned.
      answers = [{ status: 200, json: recordedBody("gemini", "google-text") }]
      seen.length = 0
      await gemini.generate(chat("gemini-3-pro-preview", [question, { role: "assistant", content: `${content} ` }, { role: "user", content: "And in raspberry?" }]), callContext())
      expect(replayedCalls(first().body)).toEqual([{ text: `${content} ` }])
    }
  })

  it("a call the store does not know (other node, expired) is signed with the documented sentinel when configured, and sent unsigned otherwise", async () => {
    answers = [
      { status: 200, json: recordedBody("gemini", "google-text") },
      { status: 200, json: recordedBody("gemini", "google-text") },
    ]
    await backend({ request: { unsignedToolCallSignature: "skip_thought_signature_validator" } }).generate(chat("gemini-3-pro-preview", weatherTurn("call_elsewhere_0")), callContext())
    await backend().generate(chat("gemini-3-pro-preview", weatherTurn("call_elsewhere_0")), callContext())
    expect(replayedCalls(seen[0]?.body)).toEqual([{ functionCall: { name: "weather", args: { location: "San Francisco" } }, thoughtSignature: "skip_thought_signature_validator" }])
    expect(replayedCalls(seen[1]?.body)).toEqual([{ functionCall: { name: "weather", args: { location: "San Francisco" } } }])
  })
})

describe("Gemini backend: embeddings (documented answers)", () => {
  it("one input is embedContent with dimensions as outputDimensionality; the client's encoding is honoured", async () => {
    answers = [{ status: 200, json: JSON.stringify({ embedding: { values: [0.1, -0.25, 0.5] } }) }]
    const result = await backend().embed({ input: "Hello World!", encodingFormat: "base64", opts: { model: "gemini-embedding-001", dimensions: 3 } }, callContext())
    expect(first().path).toBe("/v1beta/models/gemini-embedding-001:embedContent")
    expect(first().headers["x-goog-api-key"]).toBe("AIza-test-key")
    expect(first().body).toEqual({ model: "models/gemini-embedding-001", content: { parts: [{ text: "Hello World!" }] }, outputDimensionality: 3 })
    // Float clients get Gemini's numbers as printed, base64 clients the float32 bytes.
    expect(toEmbeddingsResponse(result, "gemini-embedding-001", "float").data[0]?.embedding).toEqual([0.1, -0.25, 0.5])
    const base64 = toEmbeddingsResponse(result, "gemini-embedding-001", "base64").data[0]?.embedding
    expect(typeof base64 === "string" ? [...new Float32Array(Uint8Array.from(Buffer.from(base64, "base64")).buffer)] : undefined).toEqual([Math.fround(0.1), -0.25, 0.5])
  })

  it("several inputs are one batchEmbedContents, read back in order", async () => {
    answers = [{ status: 200, json: JSON.stringify({ embeddings: [{ values: [1, 0] }, { values: [0, 1] }] }) }]
    const result = await backend().embed({ input: ["first", "second"], encodingFormat: "float", opts: { model: "gemini-embedding-001", dimensions: 2 } }, callContext())
    expect(first().path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents")
    expect(first().body).toEqual({
      requests: [
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "first" }] }, outputDimensionality: 2 },
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "second" }] }, outputDimensionality: 2 },
      ],
    })
    expect(result.vectors.map((vector) => [...vector])).toEqual([
      [1, 0],
      [0, 1],
    ])
  })

  it("2,048 inputs (OpenAI's limit) go as batches of at most 100 (Gemini's), read back in order", async () => {
    const input = Array.from({ length: 2048 }, (_, i) => `text ${i}`)
    const batches = Math.ceil(input.length / 100)
    answers = Array.from({ length: batches }, (_, b) => {
      const count = Math.min(100, input.length - b * 100)
      return { status: 200, json: JSON.stringify({ embeddings: Array.from({ length: count }, (_, i) => ({ values: [b * 100 + i] })) }) }
    })
    const result = await backend().embed({ input, encodingFormat: "float", opts: { model: "gemini-embedding-001" } }, callContext())
    expect(seen.map((request) => request.path)).toEqual(Array.from({ length: batches }, () => "/v1beta/models/gemini-embedding-001:batchEmbedContents"))
    expect(seen.map((request) => (typeof request.body === "object" && request.body !== null && "requests" in request.body && Array.isArray(request.body.requests) ? request.body.requests.length : 0))).toEqual([
      ...Array.from({ length: 20 }, () => 100),
      48,
    ])
    expect(result.vectors.map((vector) => vector[0])).toEqual(input.map((_, i) => i))
  })

  it("the batches of one call share its total deadline: once it is spent, no further batch is sent", async () => {
    const input = Array.from({ length: 500 }, (_, i) => `text ${i}`)
    answers = Array.from({ length: 5 }, () => ({ status: 200, json: JSON.stringify({ embeddings: Array.from({ length: 100 }, () => ({ values: [1] })) }) }))
    let clock = 0
    // Each batch takes 1 s on this clock; the call may take 2.5 s in all.
    const now = () => (clock += 1_000)
    const slow = backend({ timeouts: { ...testUpstreamOptions("", undefined).timeouts, totalMs: 2_500 }, now })
    const { reason } = await failureOf(slow.embed({ input, encodingFormat: "float", opts: { model: "gemini-embedding-001" } }, callContext()))
    expect(reason).toEqual({ _tag: "UpstreamTimeout", phase: "total", shouldRetry: false })
    expect(seen.length).toBe(2)
  })

  it("an answer with fewer vectors than inputs is an upstream error, never a short list", async () => {
    answers = [{ status: 200, json: JSON.stringify({ embeddings: [{ values: [1, 0] }] }) }]
    const { reason } = await failureOf(backend().embed({ input: ["a", "b"], encodingFormat: "float", opts: { model: "gemini-embedding-001" } }, callContext()))
    expect(reason).toMatchObject({ _tag: "UpstreamError", code: "invalid_upstream_response" })
  })
})
