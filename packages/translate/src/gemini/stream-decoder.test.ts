import { readFileSync } from "node:fs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fold, runReducer } from "../../test/provider-stream.ts"
import { decodeGeminiStreamEvent, initialGeminiStreamState } from "./stream-decoder.ts"

/** A fixture under test/fixtures/gemini (see its README for where each comes from), one event per line. */
const fixtureLines = (name: string): string[] =>
  readFileSync(new URL(`../../test/fixtures/gemini/${name}`, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")

const decode = (lines: readonly string[]) => runReducer(initialGeminiStreamState(), decodeGeminiStreamEvent, [...lines.map((data) => ({ type: "data" as const, data })), { type: "end" as const }])

describe("Gemini stream decoder: streamed function-call arguments (Vertex partialArgs)", () => {
  it("reads a chunk holding only functionCall {willContinue: true} as more of the open call, not its end", () => {
    const result = fold(decode(fixtureLines("stream-function-call-args-continue.chunks.txt")))
    expect(result.toolCalls).toHaveLength(1)
    expect(result.toolCalls?.[0]).toMatchObject({ name: "get_weather", signature: "c2lnLWNhbGwtMQ==" })
    expect(JSON.parse(result.toolCalls?.[0]?.arguments ?? "")).toEqual({ location: "Boston, MA", brightness: 50 })
    expect(result.finishReason).toBe("tool_calls")
  })

  it("still closes the open call on an empty functionCall without willContinue, so a second call starts clean", () => {
    const call = (fc: unknown, finish?: string) => JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ functionCall: fc }] }, ...(finish === undefined ? {} : { finishReason: finish }) }] })
    const lines = [
      call({ name: "a", willContinue: true }),
      call({ partialArgs: [{ jsonPath: "$.x", stringValue: "1" }], willContinue: true }),
      call({}),
      call({ name: "b", willContinue: true }),
      call({ willContinue: true }),
      call({ partialArgs: [{ jsonPath: "$.y", boolValue: true }], willContinue: true }),
      call({}, "STOP"),
    ]
    const result = fold(decode(lines))
    expect(result.toolCalls?.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ["a", { x: "1" }],
      ["b", { y: true }],
    ])
  })

  it("a lone {willContinue: true} with no open call is nothing, not an error", () => {
    const lines = [
      JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "hi" }, { functionCall: { willContinue: true } }] } }] }),
      JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "!" }] }, finishReason: "STOP" }] }),
    ]
    const result = fold(decode(lines))
    expect(result.content).toBe("hi!")
    expect(result.toolCalls).toBeUndefined()
  })
})

describe("Gemini stream decoder: Gemini 3 thoughtSignature on text parts", () => {
  it("keeps the signature of a text part (here on a last part with empty text) on the chunk that carries it", () => {
    const outputs = decode(fixtureLines("text-thought-signature.chunks.txt"))
    const signatures = outputs.flatMap((output) => (output.type === "chunk" && output.chunk.textSignature !== undefined ? [output.chunk.textSignature] : []))
    expect(signatures).toEqual(["c2lnLXRleHQtMg=="])
    expect(fold(outputs).content).toBe("The capital of France is Paris.")
  })

  it("a thought part's signature is not the text's", () => {
    const line = JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "hmm", thought: true, thoughtSignature: "t" }, { text: "ok" }] }, finishReason: "STOP" }] })
    const outputs = decode([line])
    expect(outputs.some((output) => output.type === "chunk" && output.chunk.textSignature !== undefined)).toBe(false)
  })
})

describe("Gemini stream decoder laws: streamed arguments", () => {
  it("keep-alive parts ({willContinue: true} alone) anywhere between argument pieces never change the assembled call", () => {
    const call = (fc: unknown, finish?: string) => JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ functionCall: fc }] }, ...(finish === undefined ? {} : { finishReason: finish }) }] })
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(3), { minLength: 7, maxLength: 7 }), (pieces, keepAlives) => {
        const lines: string[] = [call({ name: "f", willContinue: true })]
        for (const [i, piece] of pieces.entries()) {
          for (let k = 0; k < (keepAlives[i] ?? 0); k++) lines.push(call({ willContinue: true }))
          lines.push(call({ partialArgs: [{ jsonPath: "$.s", stringValue: piece, willContinue: true }], willContinue: true }))
        }
        lines.push(call({}, "STOP"))
        const result = fold(decode(lines))
        expect(result.toolCalls?.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([["f", { s: pieces.join("") }]])
      }),
    )
  })
})
