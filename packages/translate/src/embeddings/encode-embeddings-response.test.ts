import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { EmbeddingsResponseOut } from "../wire/embeddings.ts"
import { encodeEmbeddingsResponse } from "./encode-embeddings-response.ts"
import { float32ToBase64 } from "./float32-base64.ts"

const base64Vector = fc.array(fc.float({ noNaN: true }), { maxLength: 8 }).map((values) => float32ToBase64(Float32Array.from(values)))
const embedding = fc.oneof(base64Vector, fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 4 }), fc.string(), fc.constant('AAAA"\\\n'))
const response: fc.Arbitrary<EmbeddingsResponseOut> = fc.record({
  object: fc.constant("list" as const),
  data: fc.array(fc.record({ object: fc.constant("embedding" as const), index: fc.oneof(fc.nat(), fc.constant(-0), fc.double()), embedding }), { maxLength: 5 }),
  model: fc.string(),
  usage: fc.record({ prompt_tokens: fc.nat(), total_tokens: fc.nat() }),
})

describe("encodeEmbeddingsResponse", () => {
  it("writes exactly what JSON.stringify writes, whatever the vectors", () => {
    fc.assert(
      fc.property(response, (value) => {
        expect(encodeEmbeddingsResponse(value)).toBe(JSON.stringify(value))
      }),
      { numRuns: 5_000 },
    )
  })
})
