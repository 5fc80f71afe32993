import { GatewayFailure, type ChatCall, type GenerateOpts, type Message } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ANTHROPIC_DEFAULTS, createAnthropicBackend } from "../../../models/src/backends/anthropic-backend.ts"
import { createThinkingBlockStore, DEFAULT_THINKING_STORE } from "../../../models/src/backends/thinking-block-store.ts"
import { callContext, collectResult, testUpstreamOptions } from "../../../models/test/backend-calls.ts"
import { recordedBody } from "../../../translate/test/recorded-provider.ts"
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

const recordedText: string = JSON.parse(recordedBody("anthropic", "anthropic-text")).content[0].text
const backend = (nativeStructuredOutput = false) =>
  createAnthropicBackend({
    ...testUpstreamOptions(upstream.url, "sk-ant-conformance"),
    version: ANTHROPIC_DEFAULTS.version,
    betas: [],
    request: { defaultMaxTokens: 4096, nativeStructuredOutput },
    thinkingStore: createThinkingBlockStore({ ...DEFAULT_THINKING_STORE, now: Date.now }),
    now: Date.now,
  })
const weather = [{ name: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } }]
const chat = (messages: readonly Message[], opts: Partial<GenerateOpts> = {}, stream = false): ChatCall => ({ input: { messages, tools: weather }, opts: { model: "claude-conformance", ...opts }, stream, includeUsage: stream })
describe("the Anthropic conformance upstream, read by the Anthropic backend", () => {
  it("answers plain chat with the recording, streamed and not", async () => {
    const plain = await backend().generate({ input: { messages: [{ role: "user", content: "hi" }] }, opts: { model: "m" }, stream: false, includeUsage: false }, callContext())
    expect(plain.content).toBe(recordedText)
    const streamed = await collectResult(backend().generateStream({ input: { messages: [{ role: "user", content: "hi" }] }, opts: { model: "m" }, stream: true, includeUsage: true }, callContext()))
    expect(streamed.content?.length).toBeGreaterThan(0)
  })

  it("calls tools, then answers the tool result; with thinking on, the dropped signed thinking is given back (else the upstream refuses, as Anthropic does)", async () => {
    for (const stream of [false, true]) {
      const anthropic = backend()
      const ask: Message[] = [{ role: "user", content: "weather in Paris?" }]
      const answer = stream ? await collectResult(anthropic.generateStream(chat(ask, { reasoningEffort: "low" }, true), callContext())) : await anthropic.generate(chat(ask, { reasoningEffort: "low" }), callContext())
      const calls = answer.toolCalls ?? []
      expect(calls.length).toBeGreaterThan(0)
      const followUp: Message[] = [...ask, { role: "assistant", content: null, toolCalls: calls }, ...calls.map((call): Message => ({ role: "tool", toolCallId: call.id, content: "sunny" }))]
      const final = await anthropic.generate(chat(followUp, { reasoningEffort: "low" }), callContext())
      expect(final.content).toContain("Based on the tool: sunny")
      // Another instance (another node) has no blocks: the API's refusal comes through as a 400.
      const elsewhere = await backend()
        .generate(chat(followUp, { reasoningEffort: "low" }), callContext())
        .catch((error: unknown) => GatewayFailure.reasonOf(error))
      expect(elsewhere).toMatchObject({ _tag: "InvalidRequest" })
    }
  })

  it("gives schema-shaped JSON through the forced tool and through the native format", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
    for (const native of [false, true]) {
      const result = await backend(native).generate(
        { input: { messages: [{ role: "user", content: "a city" }] }, opts: { model: "m", responseFormat: { type: "json_schema", name: "c", schema } }, stream: false, includeUsage: false },
        callContext(),
      )
      expect(JSON.parse(result.content ?? "")).toEqual({ city: "San Francisco" })
    }
  })
})
