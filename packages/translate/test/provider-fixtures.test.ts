import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { collectChunk, collectedResult, initialCollectState } from "../src/chat/collect-generate-result.ts"
import { fromChatCompletion } from "../src/chat/from-chat-completion.ts"
import { decodeStreamEvent, initialStreamDecoderState } from "../src/chat/stream-decoder.ts"
import { encodeStreamEvent, initialStreamEncoderState } from "../src/chat/stream-encoder.ts"
import { toChatCompletion } from "../src/chat/to-chat-completion.ts"
import type { GenerateChunk, GenerateResult } from "../src/model/types.ts"
import { specValidator } from "./openapi-validator.ts"

/**
 * Every provider example under test/fixtures (taken or hand-written from the providers'
 * public API documentation: see fixtures/README.md) replayed through the translate
 * decoders and encoders. For each: the provider's fields land where the table below
 * says (internal fields, extensions, raw usage), and every byte a client would get
 * validates against the official OpenAI spec. A fixture without an expectation fails.
 */
const fixturesDir = fileURLToPath(new URL("./fixtures", import.meta.url))
const validateCompletion = specValidator("CreateChatCompletionResponse")
const validateChunk = specValidator("CreateChatCompletionStreamResponse")
const identity = { id: "chatcmpl-gateway", created: 1_700_000_000, model: "logical" }

type Json = Record<string, unknown>
interface Expectation {
  /** Where the provider's fields must land in the internal result (toMatchObject). */
  readonly result: Json
  /** What the client must receive (toMatchObject on the answer, or on the merged stream view). */
  readonly client?: Json
}

/** A stream as a client sees it, merged: every top-level extension key, the usage chunk, per-choice text, finish reasons and logprobs. */
interface StreamView {
  readonly extensions: Json
  readonly usage: unknown
  readonly choices: Record<number, { content: string; reasoning: string; finish: unknown[]; toolCalls: unknown[]; logprobTokens: string[] }>
}

const usageDetails = {
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
}

const expectations: Record<string, Expectation> = {
  "mistral/magistral-thinking.json": {
    result: { content: "2 + 2 = 4.", reasoning: "Okay, the user asks for 2 + 2. That is 4.", finishReason: "stop" },
    client: { choices: [{ message: { content: "2 + 2 = 4.", reasoning_content: "Okay, the user asks for 2 + 2. That is 4." } }] },
  },
  "mistral/magistral-thinking.chunks.txt": {
    result: { content: "2 + 2 = 4.", reasoning: "Okay, the user asks for 2 + 2.", usage: { promptTokens: 24, completionTokens: 16 } },
    client: { choices: { 0: { content: "2 + 2 = 4.", reasoning: "Okay, the user asks for 2 + 2.", finish: ["stop"] } } },
  },
  "deepseek/deepseek-v4-pro-reasoning.json": {
    result: {
      reasoning: expect.stringContaining("greet the user"),
      usage: { cachedTokens: 0, cacheMissTokens: 10, reasoningTokens: 38, raw: { prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 10 } },
      systemFingerprint: "fp_9954b31ca7_prod0820_fp8_kvcache_20260402",
    },
    client: { usage: { prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 38 } } },
  },
  "deepseek/deepseek-chat-cache-hit.json": {
    result: { usage: { promptTokens: 1034, cachedTokens: 1024, cacheMissTokens: 10 } },
    client: { usage: { prompt_tokens: 1034, prompt_tokens_details: { cached_tokens: 1024 } } },
  },
  "moonshot/kimi-root-cached-tokens.json": {
    result: { usage: { cachedTokens: 1024, raw: { cached_tokens: 1024 } } },
    client: { usage: { prompt_tokens_details: { cached_tokens: 1024 } } },
  },
  "moonshot/moonshot-v1-root-cached-tokens.json": {
    result: { usage: { promptTokens: 1113, cachedTokens: 1024 } },
    client: { usage: { prompt_tokens_details: { cached_tokens: 1024 } } },
  },
  "groq/x-groq-usage.chunks.txt": {
    result: {
      content: "Hello World!",
      usage: { promptTokens: 38, completionTokens: 4, totalTokens: 42, latencyMs: expect.closeTo(29.76485, 3) },
      extensions: { x_groq: expect.objectContaining({ id: "req_01k88s37gyfaqa5ckqj4t7mrg8" }) },
    },
    client: { usage: { prompt_tokens: 38, completion_tokens: 4, total_tokens: 42 }, extensions: { x_groq: expect.anything() } },
  },
  "groq/on-demand.json": {
    result: { serviceTier: "on_demand", usage: { promptTokens: 18, raw: { queue_time: 0.037493756 } }, extensions: { x_groq: { id: "req_01jbd6g2qdfw2adyrt2az8hz4w" } } },
    client: { x_groq: { id: "req_01jbd6g2qdfw2adyrt2az8hz4w" } },
  },
  "xai/grok-reasoning-usage.json": {
    result: { usage: { reasoningTokens: 311, cachedTokens: 151, sourcesUsed: 0, promptTextTokens: 152, promptImageTokens: 0, totalTokens: 513 } },
    client: { usage: { total_tokens: 513, completion_tokens_details: { reasoning_tokens: 311 }, prompt_tokens_details: { cached_tokens: 151 } } },
  },
  "perplexity/sonar-citations.json": {
    result: { extensions: { citations: ["https://nodejs.org/en/blog/release", "https://example.com/source2"], search_results: expect.any(Array) }, usage: { raw: { num_search_queries: 1 } } },
    client: { citations: ["https://nodejs.org/en/blog/release", "https://example.com/source2"], search_results: [{ title: "Node.js releases", url: "https://nodejs.org/en/blog/release", date: "2025-03-18" }, expect.anything()] },
  },
  "perplexity/sonar-citations.chunks.txt": {
    result: { content: "Node.js adds fetch [1].", extensions: { citations: ["https://nodejs.org/en/blog/release"] } },
    client: { extensions: { citations: ["https://nodejs.org/en/blog/release"], search_results: expect.any(Array) } },
  },
  "azure/prompt-filter-results.json": {
    result: { extensions: { prompt_filter_results: [{ prompt_index: 0, content_filter_results: expect.any(Object) }] } },
    client: { prompt_filter_results: [{ prompt_index: 0 }] },
  },
  "azure/prompt-filter-first-chunk.chunks.txt": {
    result: { content: "Example", model: "gpt-4o-2024-08-06", extensions: { prompt_filter_results: expect.any(Array) } },
    client: { extensions: { prompt_filter_results: [{ prompt_index: 0 }] }, choices: { 0: { content: "Example", finish: ["stop"] } } },
  },
  "finish-reasons/end_turn.json": { result: { finishReason: "stop", rawFinishReason: "end_turn" }, client: { choices: [{ finish_reason: "stop" }] } },
  "finish-reasons/stop_sequence.json": { result: { finishReason: "stop", rawFinishReason: "stop_sequence" }, client: { choices: [{ finish_reason: "stop" }] } },
  "finish-reasons/eos.json": { result: { finishReason: "stop", rawFinishReason: "eos" }, client: { choices: [{ finish_reason: "stop" }] } },
  "finish-reasons/max_tokens.json": { result: { finishReason: "length", rawFinishReason: "max_tokens" }, client: { choices: [{ finish_reason: "length" }] } },
  "finish-reasons/model_length.json": { result: { finishReason: "length", rawFinishReason: "model_length" }, client: { choices: [{ finish_reason: "length" }] } },
  "finish-reasons/tool_use.json": { result: { finishReason: "tool_calls", rawFinishReason: "tool_use" } },
  "finish-reasons/length.json": { result: { finishReason: "length", rawFinishReason: "length" }, client: { choices: [{ finish_reason: "length" }] } },
  "finish-reasons/content_filter.json": { result: { finishReason: "content_filter" }, client: { choices: [{ finish_reason: "content_filter" }] } },
  "finish-reasons/something_new.json": { result: { finishReason: "other", rawFinishReason: "something_new" }, client: { choices: [{ finish_reason: "stop" }] } },
  "finish-reasons/empty-string-is-not-a-finish.chunks.txt": {
    result: { content: "ok", finishReason: "stop", rawFinishReason: "eos" },
    client: { choices: { 0: { content: "ok", finish: ["stop"] } } },
  },
  "legacy/function-call.chunks.txt": {
    result: { toolCalls: [{ name: "get_current_weather", arguments: '{\n  "location": "Boston, MA"\n}' }], finishReason: "tool_calls", rawFinishReason: "function_call" },
    client: {
      choices: {
        0: {
          finish: ["tool_calls"],
          toolCalls: [
            { index: 0, id: expect.any(String), type: "function", function: { name: "get_current_weather", arguments: "" } },
            { index: 0, function: { arguments: '{\n  "location": "Boston, MA"\n}' } },
          ],
        },
      },
    },
  },
  "legacy/function-call.json": {
    result: { content: null, toolCalls: [{ name: "get_current_weather", arguments: '{\n  "location": "Boston, MA"\n}' }], finishReason: "tool_calls" },
    client: { choices: [{ finish_reason: "tool_calls", message: { content: null, tool_calls: [{ type: "function", function: { name: "get_current_weather" } }] } }] },
  },
  "openai/logprobs.json": {
    result: { logprobs: { content: [expect.objectContaining({ token: "Hello", topLogprobs: expect.any(Array) }), expect.objectContaining({ token: "!" })], refusal: null } },
    client: {
      service_tier: "default",
      usage: usageDetails,
      choices: [{ logprobs: { content: [{ token: "Hello", logprob: -0.31725305, bytes: [72, 101, 108, 108, 111], top_logprobs: [{ token: "Hello" }, { token: "Hi", logprob: -1.3190403 }] }, { token: "!" }], refusal: null } }],
    },
  },
  "openai/logprobs.chunks.txt": {
    result: { content: "Hello!", logprobs: { content: [expect.objectContaining({ token: "Hello" }), expect.objectContaining({ token: "!" })] }, usage: { cachedTokens: 0, reasoningTokens: 0 } },
    client: { usage: usageDetails, choices: { 0: { content: "Hello!", logprobTokens: ["Hello", "!"], finish: ["stop"] } } },
  },
  "openai/n2.json": {
    result: { content: "Heads.", additionalChoices: [{ index: 1, content: "Tails.", finishReason: "stop" }] },
    client: {
      choices: [
        { index: 0, message: { content: "Heads." } },
        { index: 1, message: { content: "Tails." } },
      ],
    },
  },
  "openai/n2.chunks.txt": {
    result: { content: "Heads.", finishReason: "stop", additionalChoices: [{ index: 1, content: "Tails.", finishReason: "length" }] },
    client: { choices: { 0: { content: "Heads.", finish: ["stop"] }, 1: { content: "Tails.", finish: ["length"] } } },
  },
}

/** Native (non-OpenAI) wire formats, replayed by their own mappers' tests (src/ollama/). */
const nativeDialectDirs: ReadonlySet<string> = new Set(["ollama", "anthropic", "gemini"])

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? (dir === fixturesDir && nativeDialectDirs.has(entry.name) ? [] : fixtureFiles(join(dir, entry.name))) : /\.(json|chunks\.txt)$/.test(entry.name) ? [relative(fixturesDir, join(dir, entry.name))] : [],
  )
}

function replayAnswer(text: string): { result: GenerateResult; client: Json } {
  const outcome = fromChatCompletion(JSON.parse(text))
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.error)}`)
  const client: Json = JSON.parse(JSON.stringify(toChatCompletion(outcome.value, identity)))
  expect(validateCompletion(client)).toEqual([])
  return { result: outcome.value, client }
}

function replayStream(text: string): { result: GenerateResult | undefined; client: StreamView } {
  let decoder = initialStreamDecoderState()
  const chunks: GenerateChunk[] = []
  const lines = text.split("\n").filter((line) => line.trim() !== "")
  for (const event of [...lines.map((data) => ({ type: "data" as const, data })), { type: "data" as const, data: "[DONE]" }, { type: "end" as const }]) {
    const [next, outputs] = decodeStreamEvent(decoder, event)
    decoder = next
    for (const output of outputs) {
      if (output.type === "error") throw new Error(`stream refused: ${JSON.stringify(output.error)}`)
      chunks.push(output.chunk)
    }
  }
  let encoder = initialStreamEncoderState(identity, true)
  const view: StreamView = { extensions: {}, usage: undefined, choices: {} }
  let done = false
  for (const event of [...chunks.map((chunk) => ({ type: "chunk" as const, chunk })), { type: "end" as const }]) {
    const [next, outputs] = encodeStreamEvent(encoder, event)
    encoder = next
    for (const output of outputs) {
      if (output.type === "error") throw new Error(`encoder refused: ${JSON.stringify(output.error)}`)
      if (output.type === "done") done = true
      if (output.type !== "chunk") continue
      const wire: Json = JSON.parse(JSON.stringify(output.chunk))
      expect(validateChunk(wire)).toEqual([])
      mergeInto(view, wire)
    }
  }
  expect(done).toBe(true)
  return { result: collectedResult(chunks.reduce(collectChunk, initialCollectState)), client: view }
}

const standardChunkKeys = new Set(["id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier"])

function mergeInto(view: StreamView, wire: Json): void {
  for (const [key, value] of Object.entries(wire)) if (!standardChunkKeys.has(key)) view.extensions[key] = value
  if (wire["usage"] != null) Object.assign(view, { usage: wire["usage"] })
  const choices = Array.isArray(wire["choices"]) ? wire["choices"] : []
  for (const choice of choices) {
    const index: number = choice.index
    const slot = (view.choices[index] ??= { content: "", reasoning: "", finish: [], toolCalls: [], logprobTokens: [] })
    slot.content += choice.delta?.content ?? ""
    slot.reasoning += choice.delta?.reasoning_content ?? ""
    if (choice.finish_reason !== null) slot.finish.push(choice.finish_reason)
    slot.toolCalls.push(...(choice.delta?.tool_calls ?? []))
    slot.logprobTokens.push(...(choice.logprobs?.content ?? []).map((token: { token: string }) => token.token))
  }
}

describe("provider fixtures from public documentation (issue 10)", () => {
  const files = fixtureFiles(fixturesDir).sort()

  it("has an expectation for every fixture, and a fixture for every expectation", () => {
    expect(files).toEqual(Object.keys(expectations).sort())
    expect(files.length).toBeGreaterThan(25)
  })

  for (const file of files) {
    it(`${file}: nothing lost, every output spec-valid`, () => {
      const expectation = expectations[file]
      if (expectation === undefined) throw new Error(`no expectation for ${file}`)
      const text = readFileSync(join(fixturesDir, file), "utf8")
      const { result, client } = file.endsWith(".json") ? replayAnswer(text) : replayStream(text)
      expect(result).toMatchObject(expectation.result)
      if (expectation.client !== undefined) expect(client).toMatchObject(expectation.client)
    })
  }
})
