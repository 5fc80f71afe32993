import { readFileSync } from "node:fs"
import { join } from "node:path"
import { GatewayFailure, type ChatCall, type GenerateChunk, type GenerateOpts, type Message } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ANTHROPIC_DEFAULTS, createAnthropicBackend } from "../../../models/src/backends/anthropic-backend.ts"
import { DEFAULT_RESPONSE_LIMITS, DEFAULT_TIMEOUTS } from "../../../models/src/backends/upstream-options.ts"
import { createThinkingBlockStore, DEFAULT_THINKING_STORE } from "../../../models/src/backends/thinking-block-store.ts"
import { recordedDir } from "../../../translate/test/shared-dir.ts"
import { startConformanceUpstream, type ConformanceUpstream } from "../conformance-upstream.ts"
import { anthropicUpstream } from "./anthropic-upstream.ts"

/** The Anthropic conformance upstream speaks the protocol the backend reads: every kind of answer, through the real backend. */
let upstream: ConformanceUpstream
beforeAll(async () => {
  upstream = await startConformanceUpstream(recordedDir, [anthropicUpstream])
})
afterAll(async () => {
  await upstream.close()
})

const recordedText: string = JSON.parse(readFileSync(join(recordedDir, "..", "anthropic", "anthropic-text.json"), "utf8")).content[0].text
const backend = (nativeStructuredOutput = false) =>
  createAnthropicBackend({
    baseUrl: upstream.url,
    apiKey: "sk-ant-conformance",
    version: ANTHROPIC_DEFAULTS.version,
    betas: [],
    request: { defaultMaxTokens: 4096, nativeStructuredOutput },
    timeouts: DEFAULT_TIMEOUTS,
    maxChatResponseBytes: DEFAULT_RESPONSE_LIMITS.maxChatResponseBytes,
    maxErrorBytes: DEFAULT_RESPONSE_LIMITS.maxErrorBytes,
    exposeUpstreamErrors: true,
    thinkingStore: createThinkingBlockStore({ ...DEFAULT_THINKING_STORE, now: Date.now }),
    now: Date.now,
  })
const context = () => ({ signal: new AbortController().signal })
const weather = [{ name: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } }]
const chat = (messages: readonly Message[], opts: Partial<GenerateOpts> = {}, stream = false): ChatCall => ({ input: { messages, tools: weather }, opts: { model: "claude-conformance", ...opts }, stream, includeUsage: stream })
async function collect(chunks: AsyncIterable<GenerateChunk>) {
  let content = ""
  const calls: { id?: string; name?: string; args: string }[] = []
  for await (const chunk of chunks) {
    content += chunk.deltaContent ?? ""
    for (const delta of chunk.deltaToolCalls ?? []) {
      const call = (calls[delta.index] ??= { args: "" })
      if (delta.id !== undefined) call.id = delta.id
      if (delta.name !== undefined) call.name = delta.name
      call.args += delta.argumentsDelta ?? ""
    }
  }
  return { content, calls }
}

describe("the Anthropic conformance upstream, read by the Anthropic backend", () => {
  it("answers plain chat with the recording, streamed and not", async () => {
    const plain = await backend().generate({ input: { messages: [{ role: "user", content: "hi" }] }, opts: { model: "m" }, stream: false, includeUsage: false }, context())
    expect(plain.content).toBe(recordedText)
    const streamed = await collect(backend().generateStream({ input: { messages: [{ role: "user", content: "hi" }] }, opts: { model: "m" }, stream: true, includeUsage: true }, context()))
    expect(streamed.content.length).toBeGreaterThan(0)
  })

  it("calls tools, then answers the tool result; with thinking on, the dropped signed thinking is given back (else the upstream refuses, as Anthropic does)", async () => {
    for (const stream of [false, true]) {
      const anthropic = backend()
      const ask: Message[] = [{ role: "user", content: "weather in Paris?" }]
      const first = stream ? await collect(anthropic.generateStream(chat(ask, { reasoningEffort: "low" }, true), context())) : undefined
      const answer = stream ? undefined : await anthropic.generate(chat(ask, { reasoningEffort: "low" }), context())
      const calls = answer?.toolCalls ?? first?.calls.map((call) => ({ id: call.id ?? "", name: call.name ?? "", arguments: call.args })) ?? []
      expect(calls.length).toBeGreaterThan(0)
      const followUp: Message[] = [...ask, { role: "assistant", content: null, toolCalls: calls }, ...calls.map((call): Message => ({ role: "tool", toolCallId: call.id, content: "sunny" }))]
      const final = await anthropic.generate(chat(followUp, { reasoningEffort: "low" }), context())
      expect(final.content).toContain("Based on the tool: sunny")
      // Another instance (another node) has no blocks: the API's refusal comes through as a 400.
      const elsewhere = await backend().generate(chat(followUp, { reasoningEffort: "low" }), context()).catch((error: unknown) => GatewayFailure.reasonOf(error))
      expect(elsewhere).toMatchObject({ _tag: "InvalidRequest" })
    }
  })

  it("gives schema-shaped JSON through the forced tool and through the native format", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
    for (const native of [false, true]) {
      const result = await backend(native).generate({ input: { messages: [{ role: "user", content: "a city" }] }, opts: { model: "m", responseFormat: { type: "json_schema", name: "c", schema } }, stream: false, includeUsage: false }, context())
      expect(JSON.parse(result.content ?? "")).toEqual({ city: "San Francisco" })
    }
  })
})
