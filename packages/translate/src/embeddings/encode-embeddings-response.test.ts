import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { EmbeddingJson, EmbeddingsResponseOut } from "../wire/embeddings.ts"
import { encodeEmbeddingsResponse } from "./encode-embeddings-response.ts"
import { float32ToBase64 } from "./float32-base64.ts"

const base64Vector = fc.array(fc.float({ noNaN: true }), { maxLength: 8 }).map((values) => float32ToBase64(Float32Array.from(values)))
const floats = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 4 })
/** An embedding already written as JSON, as the byte reader keeps it: a number array or a quoted base64 string. */
const written: fc.Arbitrary<EmbeddingJson> = fc.oneof(floats, base64Vector).map((value) => ({ json: new TextEncoder().encode(JSON.stringify(value)) }))
const embedding = fc.oneof(base64Vector, floats, fc.string({ unit: "binary" }), fc.constant('AAAA"\\\n'), written)
const response: fc.Arbitrary<EmbeddingsResponseOut> = fc.record({
  object: fc.constant("list" as const),
  data: fc.array(fc.record({ object: fc.constant("embedding" as const), index: fc.oneof(fc.nat(), fc.constant(-0), fc.double()), embedding }), { maxLength: 5 }),
  model: fc.string({ unit: "binary" }),
  usage: fc.record({ prompt_tokens: fc.nat(), total_tokens: fc.nat() }),
})

/** The response with each written embedding as the value its text holds: what JSON.stringify is given. */
const asValues = (value: EmbeddingsResponseOut) => ({
  ...value,
  data: value.data.map((item) => (typeof item.embedding === "object" && "json" in item.embedding ? { ...item, embedding: JSON.parse(new TextDecoder().decode(item.embedding.json)) } : item)),
})

describe("encodeEmbeddingsResponse", () => {
  it("writes exactly what JSON.stringify writes, whatever the vectors, written ones copied", () => {
    fc.assert(
      fc.property(response, (value) => {
        expect(new TextDecoder().decode(encodeEmbeddingsResponse(value))).toBe(JSON.stringify(asValues(value)))
      }),
      { numRuns: 5_000 },
    )
  })
})
