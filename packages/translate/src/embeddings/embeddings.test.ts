import { readFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { capturedRequests } from "../../test/captured-requests.ts"
import { capturesDir, recordedDir } from "../../test/shared-dir.ts"
import type { EmbedResult } from "../model/types.ts"
import { decodeEmbeddingsRequest } from "./decode-embeddings-request.ts"
import type { EmbedCall } from "./embed-call.ts"
import { embedInputCount } from "./embed-call.ts"
import { encodeEmbeddingsRequest } from "./encode-embeddings-request.ts"
import { base64ToFloat32, float32ToBase64 } from "./float32-base64.ts"
import { fromEmbeddingsResponse } from "./from-embeddings-response.ts"
import { toEmbeddingsResponse } from "./to-embeddings-response.ts"

const validateRequest = specValidator("CreateEmbeddingRequest")
const validateResponse = specValidator("CreateEmbeddingResponse")

// JSON has no -0; base64 keeps it, JSON floats cannot.
const vector = fc.float32Array({ minLength: 1, maxLength: 64, noDefaultInfinity: true, noNaN: true }).map((v) => v.map((x) => x + 0))
const embedResult: fc.Arbitrary<EmbedResult> = fc.record(
  {
    vectors: fc.array(vector, { minLength: 1, maxLength: 8 }),
    usage: fc.nat({ max: 10_000 }).map((n) => ({ promptTokens: n, embeddingTokens: n, totalTokens: n })),
    model: fc.string({ minLength: 1 }),
  },
  { requiredKeys: ["vectors"] },
)

const embedCall: fc.Arbitrary<EmbedCall> = fc
  .record({
    input: fc.oneof(
      fc.string({ minLength: 1, unit: "grapheme" }),
      fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
    ),
    model: fc.string({ minLength: 1 }),
    dimensions: fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
    user: fc.option(fc.string(), { nil: undefined }),
    encodingFormat: fc.constantFrom("float" as const, "base64" as const),
  })
  .map(({ input, model, dimensions, user, encodingFormat }) => ({
    input,
    opts: { model, ...(dimensions === undefined ? {} : { dimensions }), ...(user === undefined ? {} : { user }) },
    encodingFormat,
  }))

/** Float32 values survive JSON as doubles; compare through Float32Array. */
const asArrays = (vectors: readonly Float32Array[]) => vectors.map((v) => Array.from(v))

describe("embeddings", () => {
  it("request round trip: decode(encode(call)) equals call, and the encoding is a valid OpenAI request", () => {
    fc.assert(
      fc.property(embedCall, (call) => {
        const body = JSON.parse(JSON.stringify(encodeEmbeddingsRequest(call)))
        expect(validateRequest(body)).toEqual([])
        expect(decodeEmbeddingsRequest(body)).toEqual({ ok: true, value: call })
      }),
      { numRuns: 300 },
    )
  })

  it("response round trip in both encodings, data in input order, valid against the spec (floats)", () => {
    fc.assert(
      fc.property(embedResult, fc.constantFrom("float" as const, "base64" as const), (result, encoding) => {
        const wire = JSON.parse(JSON.stringify(toEmbeddingsResponse(result, "m", encoding)))
        if (encoding === "float") expect(validateResponse(wire)).toEqual([])
        expect(wire.data.map((d: { index: number }) => d.index)).toEqual(result.vectors.map((_, i) => i))
        const back = fromEmbeddingsResponse(wire, result.vectors.length)
        if (!back.ok) throw new Error(JSON.stringify(back.error))
        expect(asArrays(back.value.vectors)).toEqual(asArrays(result.vectors))
      }),
      { numRuns: 300 },
    )
  })

  it("base64 is little-endian float32, as the OpenAI SDK decodes it", () => {
    expect(float32ToBase64(Float32Array.of(1, -2))).toBe("AACAPwAAAMA=")
    expect(Array.from(base64ToFloat32("AACAPwAAAMA=") ?? [])).toEqual([1, -2])
    expect(base64ToFloat32("AACAPw=")).toBeUndefined()
    expect(base64ToFloat32("AACA")).toBeUndefined() // 3 bytes: not whole float32s
    fc.assert(
      fc.property(vector, (v) => {
        expect(Array.from(base64ToFloat32(float32ToBase64(v)) ?? [])).toEqual(Array.from(v))
      }),
    )
  })

  it("puts an upstream's out-of-order data back in input order and checks the count", () => {
    const wire = {
      object: "list",
      data: [
        { index: 1, embedding: [2] },
        { index: 0, embedding: [1] },
      ],
      model: "m",
    }
    const back = fromEmbeddingsResponse(wire, 2)
    expect(back.ok && asArrays(back.value.vectors)).toEqual([[1], [2]])
    expect(fromEmbeddingsResponse(wire, 3).ok).toBe(false)
    expect(
      fromEmbeddingsResponse(
        {
          data: [
            { index: 0, embedding: [1] },
            { index: 0, embedding: [1] },
          ],
        },
        2,
      ).ok,
    ).toBe(false)
  })

  it("reads the recorded OpenAI embeddings response", () => {
    const body = JSON.parse(readFileSync(join(recordedDir, "openai-embedding.json"), "utf8"))
    const back = fromEmbeddingsResponse(body, 2)
    expect(back.ok && back.value.usage).toEqual({ promptTokens: 12, embeddingTokens: 12, totalTokens: 12, raw: body.usage })
    expect(back.ok && back.value.vectors[0]?.[0]).toBeCloseTo(0.0057293195, 8)
  })

  it("a float client gets exactly the numbers the upstream sent (recorded OpenAI answer)", () => {
    const text = readFileSync(join(recordedDir, "openai-embedding.json"), "utf8")
    const body = JSON.parse(text)
    const back = fromEmbeddingsResponse(body, 2)
    if (!back.ok) throw new Error(JSON.stringify(back.error))
    const out = JSON.parse(JSON.stringify(toEmbeddingsResponse(back.value, "m", "float")))
    expect(out.data.map((d: { embedding: unknown }) => d.embedding)).toEqual(body.data.map((d: { embedding: unknown }) => d.embedding))
    // The printed text too: 0.0057293195 stays 0.0057293195, not its float32's 0.005729319527745247.
    expect(JSON.stringify(out)).toContain("0.0057293195,-0.012727811,0.020042092")
    expect(validateResponse(out)).toEqual([])
  })

  it("a float client gets 0.1 when the upstream sent 0.1 (the AI SDK capture's answer)", () => {
    const capture = JSON.parse(readFileSync(join(capturesDir, "aisdk-compat-embed.json"), "utf8"))
    const upstreamAnswer = capture.requests[0].response.json
    const back = fromEmbeddingsResponse(upstreamAnswer, 1)
    if (!back.ok) throw new Error(JSON.stringify(back.error))
    const text = JSON.stringify(toEmbeddingsResponse(back.value, "test-embed", "float"))
    expect(text).toContain('"embedding":[0.1,0.11,0.12,0.13]')
    // Programmatic readers still get float32 vectors.
    expect(Array.from(back.value.vectors[0] ?? [])).toEqual(Array.from(Float32Array.of(0.1, 0.11, 0.12, 0.13)))
  })

  it("base64 from the upstream reaches a base64 client as the very same string, and is converted for a float client", () => {
    const strings = [float32ToBase64(Float32Array.of(0.5, -2)), float32ToBase64(Float32Array.of(1.25))]
    const wire = { object: "list", data: strings.map((embedding, index) => ({ object: "embedding", index, embedding })), model: "m" }
    const back = fromEmbeddingsResponse(wire, 2)
    if (!back.ok) throw new Error(JSON.stringify(back.error))
    expect(back.value.asSent).toEqual({ encoding: "base64", vectors: strings })
    expect(toEmbeddingsResponse(back.value, "m", "base64").data.map((d) => d.embedding)).toEqual(strings)
    expect(toEmbeddingsResponse(back.value, "m", "float").data.map((d) => d.embedding)).toEqual([[0.5, -2], [1.25]])
    expect(asArrays(back.value.vectors)).toEqual([[0.5, -2], [1.25]])
  })

  it("refuses base64 that is not whole float32s or not base64 at all, without decoding it", () => {
    const answer = (embedding: string) => fromEmbeddingsResponse({ data: [{ index: 0, embedding }] }, 1).ok
    expect(answer("AACAPwAAAMA=")).toBe(true)
    expect(answer("AACA")).toBe(false)
    expect(answer("AACAPw=")).toBe(false)
    expect(answer("AAC*PwAAAMA=")).toBe(false)
    expect(answer("AACAPwAA=MA")).toBe(false)
  })

  it("asks the upstream for the client's own encoding", () => {
    const call: EmbedCall = { input: "x", opts: { model: "m" }, encodingFormat: "float" }
    expect(encodeEmbeddingsRequest(call).encoding_format).toBe("float")
    expect(encodeEmbeddingsRequest({ ...call, encodingFormat: "base64" }).encoding_format).toBe("base64")
  })

  it("decodes every embeddings request the real clients sent (captures)", () => {
    const requests = capturedRequests("/v1/embeddings")
    for (const { file, body } of requests) {
      const outcome = decodeEmbeddingsRequest(body)
      expect(outcome.ok ? "ok" : `${file}: ${JSON.stringify(outcome.error)}`).toBe("ok")
    }
    expect(requests.length).toBeGreaterThan(20)
  })

  it("refuses bad input with the failing param", () => {
    const refusal = (body: unknown) => {
      const outcome = decodeEmbeddingsRequest(body)
      return outcome.ok ? undefined : outcome.error
    }
    expect(refusal({ model: "m", input: [] })).toMatchObject({ param: "input" })
    expect(refusal({ model: "m", input: "" })).toMatchObject({ param: "input" })
    expect(refusal({ model: "m", input: Array(2049).fill("x") })).toMatchObject({ param: "input" })
    expect(refusal({ model: "m", input: "x", encoding_format: "int8" })).toMatchObject({ param: "encoding_format" })
    expect(refusal({ model: "m", input: "x", dimensions: 0 })).toMatchObject({ param: "dimensions" })
    expect(refusal({ model: "m", input: "x", extra: 1 })).toMatchObject({ param: "extra" })
    expect(refusal({ input: "x" })).toMatchObject({ param: "model" })
  })

  it("counts inputs: a flat token array is one input", () => {
    expect(embedInputCount("a")).toBe(1)
    expect(embedInputCount(["a", "b"])).toBe(2)
    expect(embedInputCount([1, 2, 3])).toBe(1)
    expect(embedInputCount([[1], [2]])).toBe(2)
  })
})
