import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeSseData } from "../sse/encode-sse.ts"
import { createChunkSseEncoder } from "./chunk-sse-encoder.ts"
import { decodeStreamEvent, initialStreamDecoderState } from "./stream-decoder.ts"
import { encodeStreamEvent, initialStreamEncoderState } from "./stream-encoder.ts"
import { recordedLines } from "../../test/recorded-stream.ts"

const text = fc.oneof(fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom("", '"', "\\", "\u2028", "\ud800", "</script>"))
const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.double(), fc.constant(null), fc.constant(-0))
const plainChoice = text.map((content) => ({ index: 0, delta: { content }, logprobs: null, finish_reason: null }))
const otherChoice = fc.oneof(
  fc.record({ index: fc.integer({ min: 0, max: 2 }), delta: fc.record({ content: text }), logprobs: fc.constant(null), finish_reason: fc.constantFrom(null, "stop") }),
  fc.record({ index: fc.constant(0), delta: fc.record({ content: text, role: fc.constant("assistant") }), logprobs: fc.constant(null), finish_reason: fc.constant(null) }),
  fc.record({ delta: fc.record({ content: text }), index: fc.constant(0), logprobs: fc.constant(null), finish_reason: fc.constant(null) }),
  fc.record({ index: fc.constant(0), delta: fc.record({ content: fc.constant(null) }), logprobs: fc.constant(null), finish_reason: fc.constant(null) }),
)
const extensions = fc.dictionary(fc.constantFrom("obfuscation", "__proto__", "x_groq", "id", "prompt_filter_results", 'é"\\'), fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)), { maxKeys: 3 })
/** Chunks as the stream encoder builds them (extensions first), and some it never builds. */
const chunk = fc
  .record({
    extensions,
    id: fc.constantFrom("chatcmpl-1", "chatcmpl-2", 'a"b'),
    created: fc.constantFrom(1, 2, -0, 1.5),
    model: fc.constantFrom("m", "gpt-4.1-nano"),
    choices: fc.oneof(fc.array(plainChoice, { minLength: 1, maxLength: 1 }), fc.array(fc.oneof(plainChoice, otherChoice), { maxLength: 2 })),
    system_fingerprint: fc.option(fc.constantFrom("fp_1", "fp_2"), { nil: undefined }),
    service_tier: fc.option(fc.constantFrom("default", "flex"), { nil: undefined }),
    after: fc.option(fc.dictionary(fc.constantFrom("late", "usage"), scalar, { maxKeys: 2 }), { nil: undefined }),
  })
  .map(({ extensions, id, created, model, choices, system_fingerprint, service_tier, after }) => {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(extensions)) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
    Object.assign(out, { id, object: "chat.completion.chunk", created, model, choices })
    if (system_fingerprint !== undefined) out["system_fingerprint"] = system_fingerprint
    if (service_tier !== undefined) out["service_tier"] = service_tier
    if (after !== undefined) Object.assign(out, after)
    return out
  })

describe("createChunkSseEncoder", () => {
  it("writes every sequence of chunks byte for byte as encodeSseData does", () => {
    fc.assert(
      fc.property(fc.array(chunk, { minLength: 1, maxLength: 12 }), (chunks) => {
        const encode = createChunkSseEncoder()
        for (const each of chunks) expect(encode(each)).toBe(encodeSseData(each))
      }),
      { numRuns: 1000 },
    )
  })

  it("writes a recorded stream, re-encoded, as encodeSseData does", () => {
    let decoder = initialStreamDecoderState()
    let encoder = initialStreamEncoderState({ id: "chatcmpl-x", created: 1, model: "gpt-4.1-nano" }, true)
    const encode = createChunkSseEncoder()
    let chunks = 0
    for (const data of [...recordedLines("openai-text"), "[DONE]"]) {
      const [nextDecoder, decoded] = decodeStreamEvent(decoder, { type: "data", data })
      decoder = nextDecoder
      for (const output of decoded) {
        if (output.type !== "chunk") continue
        const [nextEncoder, encoded] = encodeStreamEvent(encoder, { type: "chunk", chunk: output.chunk })
        encoder = nextEncoder
        for (const out of encoded) {
          if (out.type !== "chunk") continue
          chunks++
          expect(encode(out.chunk)).toBe(encodeSseData(out.chunk))
        }
      }
    }
    expect(chunks).toBeGreaterThan(290)
  })
})
