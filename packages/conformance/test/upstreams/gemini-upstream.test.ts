/**
 * The Gemini conformance upstream driven by the real gemini backend (no Harper): the
 * answers the client scenarios rely on come back through Gemini's wire format, and a
 * tool loop only works when the backend returns the call's thought signature.
 */
import { Schema } from "effect"
import { GatewayFailure, type ChatCall, type Message } from "@harper-gateway/translate"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ModelEntry } from "../../../models/src/model-config.ts"
import { geminiBackendOf } from "../../../models/src/backends/gemini-config.ts"
import { callContext, collectChunks } from "../../../models/test/backend-calls.ts"
import { recordedDir } from "../../../translate/test/shared-dir.ts"
import { startConformanceUpstream, type ConformanceUpstream } from "../conformance-upstream.ts"
import { geminiUpstream } from "./gemini-upstream.ts"

let upstream: ConformanceUpstream
beforeAll(async () => {
  upstream = await startConformanceUpstream(recordedDir, [geminiUpstream])
})
afterAll(async () => {
  await upstream.close()
})

// Without the sentinel, so only the signature store can satisfy the upstream's Gemini 3 check.
const backend = () => geminiBackendOf(Schema.decodeUnknownSync(ModelEntry)({ backend: "gemini", baseUrl: upstream.url, apiKey: "k", gemini: { signUnknownToolCalls: false } }))
const chat = (messages: readonly Message[], opts: Partial<ChatCall["opts"]> = {}, tools: ChatCall["input"]["tools"] = undefined): ChatCall => ({
  input: { messages, ...(tools === undefined ? {} : { tools }) },
  opts: { model: "gemini-3-pro-preview", ...opts },
  stream: false,
  includeUsage: false,
})
const weather = [{ name: "weather", description: "Weather for a location", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } }]
describe("gemini conformance upstream through the gemini backend", () => {
  it("plain chat replays the recording, streamed and not", async () => {
    const result = await backend().generate(chat([{ role: "user", content: "hi" }]), callContext())
    expect(result.content).toContain("strawberry")
    const chunks = await collectChunks(backend().generateStream({ ...chat([{ role: "user", content: "hi" }]), stream: true }, callContext()))
    expect(chunks.map((chunk) => chunk.deltaContent ?? "").join("")).toContain("strawberry")
  })

  it("a tool loop: the call comes back signed by the store, the result is quoted (an unsigned replay is Gemini 3's 400)", async () => {
    const gemini = backend()
    const first = await gemini.generate(chat([{ role: "user", content: "Weather in SF?" }], {}, weather), callContext())
    expect(first.finishReason).toBe("tool_calls")
    const call = first.toolCalls?.[0]
    if (call === undefined) throw new Error("no tool call")
    const history: Message[] = [
      { role: "user", content: "Weather in SF?" },
      { role: "assistant", content: null, toolCalls: [{ id: call.id, name: call.name, arguments: call.arguments }] },
      { role: "tool", toolCallId: call.id, content: "18 degrees" },
    ]
    const second = await gemini.generate(chat(history, {}, weather), callContext())
    expect(second.content).toBe("Based on the tool: 18 degrees")
    const elsewhere = await backend()
      .generate(chat(history, {}, weather), callContext())
      .then(
        () => undefined,
        (error: unknown) => GatewayFailure.reasonOf(error),
      )
    expect(elsewhere).toMatchObject({ _tag: "InvalidRequest" })
  })

  it("structured output: a JSON schema gets an instance of it, streamed", async () => {
    const schema = { type: "object", properties: { city: { type: "string" }, rank: { type: "integer" } }, required: ["city", "rank"] }
    const chunks = await collectChunks(backend().generateStream({ ...chat([{ role: "user", content: "x" }], { responseFormat: { type: "json_schema", name: "c", schema } }), stream: true }, callContext()))
    expect(JSON.parse(chunks.map((chunk) => chunk.deltaContent ?? "").join(""))).toEqual({ city: "San Francisco", rank: 42 })
  })

  it("slow-text streams the recorded text in at least 5 frames", async () => {
    const chunks = await collectChunks(backend().generateStream({ ...chat([{ role: "user", content: "x" }]), opts: { model: "slow-text" }, stream: true }, callContext()))
    expect(chunks.filter((chunk) => chunk.deltaContent !== undefined).length).toBeGreaterThanOrEqual(5)
    expect(chunks.map((chunk) => chunk.deltaContent ?? "").join("")).toContain("strawberry")
  })

  it("embeddings and the recorded 429", async () => {
    const result = await backend().embed({ input: ["a", "b"], encodingFormat: "float", opts: { model: "gemini-embedding-001", dimensions: 4 } }, callContext())
    expect(result.vectors.map((vector) => vector.length)).toEqual([4, 4])
    const limited = await backend()
      .generate({ ...chat([{ role: "user", content: "x" }]), opts: { model: "fault-429" } }, callContext())
      .then(
        () => undefined,
        (error: unknown) => GatewayFailure.reasonOf(error),
      )
    // The suite's contract adds `retry-after: 1`, which wins over the body's RetryInfo (the backend's own test reads the body's 34.4 s).
    expect(limited).toMatchObject({ _tag: "RateLimited", retryAfterMs: 1_000 })
  })
})
