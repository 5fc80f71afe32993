import type { ChatCall, GenerateChunk } from "@harper-gateway/translate"
import { collectChunk, collectedResult, GatewayFailure, initialCollectState } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { createEchoBackend } from "./echo-backend.ts"
import { hashedEmbedding } from "./hashed-embedding.ts"

const context = { signal: new AbortController().signal }
const call = (extra: Partial<ChatCall["input"]> = {}, opts: Partial<ChatCall["opts"]> = {}): ChatCall => ({
  input: { messages: [{ role: "user", content: "hello brave new world" }], ...extra },
  opts: { model: "echo", ...opts },
  stream: false,
  includeUsage: false,
})

describe("the echo backend", () => {
  const echo = createEchoBackend()

  it("echoes the last user message, and streams the same answer word by word", async () => {
    const result = await echo.generate(call(), context)
    expect(result).toMatchObject({ content: "hello brave new world", finishReason: "stop", usage: { promptTokens: 4, completionTokens: 4 } })
    const chunks: GenerateChunk[] = []
    for await (const batch of echo.generateStream(call(), context)) chunks.push(...batch)
    expect(chunks.filter((c) => c.deltaContent !== undefined).length).toBe(4)
    expect(collectedResult(chunks.reduce(collectChunk, initialCollectState))).toMatchObject({ content: result.content, usage: result.usage })
  })

  it("calls a tool when tools are given, unless tool_choice is none or the last turn is a tool result", async () => {
    const tools = [{ name: "lookup" }, { name: "other" }]
    expect((await echo.generate(call({ tools }), context)).toolCalls).toEqual([{ id: "call_echo_1", name: "lookup", arguments: '{"input":"hello brave new world"}' }])
    expect((await echo.generate(call({ tools }, { toolChoice: { type: "function", name: "other" } }), context)).toolCalls?.[0]?.name).toBe("other")
    expect((await echo.generate(call({ tools }, { toolChoice: "none" }), context)).toolCalls).toBeUndefined()
  })

  it("refuses n > 1 with a 400 naming n, streamed or not (it cannot make several choices), and accepts n = 1", async () => {
    const refusal = async (run: () => Promise<unknown>) => {
      try {
        await run()
      } catch (error) {
        return GatewayFailure.reasonOf(error)
      }
      return undefined
    }
    const expected = { _tag: "InvalidRequest", param: "n" }
    expect(await refusal(() => echo.generate(call({}, { n: 2 }), context))).toMatchObject(expected)
    expect(
      await refusal(async () => {
        for await (const _ of echo.generateStream(call({}, { n: 3 }), context)) void _
      }),
    ).toMatchObject(expected)
    expect((await echo.generate(call({}, { n: 1 }), context)).content).toBe("hello brave new world")
  })

  it("answers JSON when a JSON response format is asked for", async () => {
    const result = await echo.generate(call({}, { responseFormat: { type: "json_object" } }), context)
    expect(JSON.parse(result.content ?? "")).toEqual({ echo: "hello brave new world" })
  })

  it("embeds deterministically into unit vectors of any size, texts sharing words closer", async () => {
    const { vectors } = await echo.embed({ input: ["red apple", "red apple pie", "quantum chromodynamics"], opts: { model: "echo", dimensions: 64 }, encodingFormat: "float" }, context)
    expect(vectors.map((v) => v.length)).toEqual([64, 64, 64])
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0)
    const [a, b, c] = vectors
    if (a === undefined || b === undefined || c === undefined) throw new Error("three vectors")
    expect(dot(a, a)).toBeCloseTo(1, 5)
    expect(dot(a, b)).toBeGreaterThan(dot(a, c))
    expect(Array.from(hashedEmbedding("red apple", 64))).toEqual(Array.from(a))
  })
})
