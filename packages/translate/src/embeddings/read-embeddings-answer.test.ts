import { readFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { recordedDir } from "../../test/shared-dir.ts"
import { encodeEmbeddingsResponse } from "./encode-embeddings-response.ts"
import { float32ToBase64 } from "./float32-base64.ts"
import { fromEmbeddingsResponse } from "./from-embeddings-response.ts"
import { readEmbeddingsAnswer } from "./read-embeddings-answer.ts"
import { toEmbeddingsResponse } from "./to-embeddings-response.ts"

const validateResponse = specValidator("CreateEmbeddingResponse")
const bytesOf = (text: string) => new TextEncoder().encode(text)
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
type Encoding = "float" | "base64"

/** What the client got before this reader: the whole answer parsed, decoded, mapped and printed by JSON.stringify; "refused" where that failed. */
function parsedWhole(text: string, count: number, encoding: Encoding): string {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return "refused"
  }
  const result = fromEmbeddingsResponse(body, count)
  return result.ok ? JSON.stringify(toEmbeddingsResponse(result.value, "m", encoding)) : "refused"
}

/** What the client gets from the byte reader; "left" when it leaves the answer to the parsing path. */
function readFromBytes(text: string, count: number, encoding: Encoding): string {
  const result = readEmbeddingsAnswer(bytesOf(text), count)
  return result === undefined ? "left" : textOf(encodeEmbeddingsResponse(toEmbeddingsResponse(result, "m", encoding)))
}

// A JSON number's text as different servers print it: JS's own, Python's repr (`1e-05`,
// `1.5e-07`: its exponent form below 1e-4; vLLM, TEI and other Python servers), 17 digits
// (`0.10000000000000001`: C's %.17g), exponents in capitals, a trailing zero.
const numberText = (value: number): fc.Arbitrary<string> => {
  const plain = Object.is(value, -0) ? "-0" : String(value)
  const padded = plain.includes("e") ? plain : plain.includes(".") ? `${plain}0` : `${plain}.0`
  return fc.constantFrom(plain, value.toPrecision(17), value.toExponential(), value.toExponential().toUpperCase(), value.toExponential().replace("e-", "e-0"), padded)
}

/** A JSON value whose numbers keep their own text, to write answers as servers print them. */
type Json = { readonly number: string } | string | null | boolean | readonly Json[] | { readonly members: readonly (readonly [string, Json])[] }

const isJsonArray = (value: Json): value is readonly Json[] => Array.isArray(value)

function write(value: Json, space: string): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value)
  if (isJsonArray(value)) return `[${space}${value.map((item) => write(item, space)).join(`,${space}`)}${space}]`
  if ("number" in value) return value.number
  return `{${space}${value.members.map(([key, item]) => `${JSON.stringify(key)}:${space}${write(item, space)}`).join(`,${space}`)}${space}}`
}

const float32 = fc.float({ noNaN: true, noDefaultInfinity: true })
const anyDouble = fc.double({ noNaN: true, noDefaultInfinity: true })
const floatVector = fc.array(
  fc.oneof(float32, anyDouble, fc.constantFrom(0, -0, 1e-7, 0.000001, 1e21, 123456789012345680000)).chain((value) => numberText(value).map((number) => ({ number }))),
  { maxLength: 12 },
)
const base64Vector = fc.array(float32, { maxLength: 12 }).map((values) => float32ToBase64(Float32Array.from(values)))
const vectorOf = (encoding: Encoding): fc.Arbitrary<Json> => (encoding === "float" ? floatVector : base64Vector)
const extra: fc.Arbitrary<Json> = fc.oneof(fc.string({ unit: "binary" }), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.constant({ members: [["nested", [{ number: "1" }, "x"]]] }))

/**
 * OpenAI's `CreateEmbeddingResponse` as its API reference documents it (`object: "list"`,
 * `data` of `{object: "embedding", index, embedding}`, `model`, `usage` of prompt and
 * total tokens), in any member order, with what other OpenAI-compatible servers add or
 * leave out: extra members, no `usage` or a null one, counts that are no counts, items
 * out of order.
 */
const answer = (encoding: Encoding) =>
  fc
    .array(vectorOf(encoding), { minLength: 1, maxLength: 6 })
    .chain((vectors) =>
      fc.record({
        items: fc.shuffledSubarray(
          vectors.map((embedding, index) => ({ embedding, index })),
          { minLength: vectors.length },
        ),
        itemExtra: fc.option(extra, { nil: undefined }),
        model: fc.option(fc.string({ unit: "binary" }), { nil: undefined }),
        usage: fc.option(fc.oneof(fc.constant(null), fc.record({ prompt_tokens: fc.oneof(fc.nat(), fc.constant(-1), fc.constant(1.5)), total_tokens: fc.nat() })), { nil: undefined }),
        extra: fc.option(extra, { nil: undefined }),
        space: fc.constantFrom("", " ", "\n  ", "\t"),
        reversed: fc.boolean(),
      }),
    )
    .map(({ items, itemExtra, model, usage, extra, space, reversed }) => {
      const data: Json[] = items.map(({ embedding, index }) => ({
        members: [["object", "embedding"], ["index", { number: String(index) }], ["embedding", embedding], ...(itemExtra === undefined ? [] : [["logprobs", itemExtra] as const])],
      }))
      const usageJson: Json | undefined =
        usage === undefined
          ? undefined
          : usage === null
            ? null
            : {
                members: [
                  ["prompt_tokens", { number: String(usage.prompt_tokens) }],
                  ["total_tokens", { number: String(usage.total_tokens) }],
                ],
              }
      const members: (readonly [string, Json])[] = [
        ["object", "list"],
        ["data", data],
        ...(model === undefined ? [] : [["model", model] as const]),
        ...(usageJson === undefined ? [] : [["usage", usageJson] as const]),
        ...(extra === undefined ? [] : [["system_fingerprint", extra] as const]),
      ]
      return { text: write({ members: reversed ? members.reverse() : members }, space), count: items.length }
    })

describe("readEmbeddingsAnswer", () => {
  it("gives a same-encoding client byte for byte what parsing the whole answer gave, however the server printed it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Encoding>("float", "base64").chain((encoding) => answer(encoding).map((sent) => ({ ...sent, encoding }))),
        ({ text, count, encoding }) => {
          const before = parsedWhole(text, count, encoding)
          expect(before).not.toBe("refused")
          expect(readFromBytes(text, count, encoding)).toBe(before)
          if (encoding === "float") expect(validateResponse(JSON.parse(before))).toEqual([])
        },
      ),
      { numRuns: 3_000 },
    )
  })

  it("converts as before for a client of the other encoding, and gives the same float32 vectors, usage and model", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Encoding>("float", "base64").chain((encoding) => answer(encoding).map((sent) => ({ ...sent, encoding }))),
        ({ text, count, encoding }) => {
          const other = encoding === "float" ? "base64" : "float"
          expect(readFromBytes(text, count, other)).toBe(parsedWhole(text, count, other))
          const parsed = fromEmbeddingsResponse(JSON.parse(text), count)
          const read = readEmbeddingsAnswer(bytesOf(text), count)
          if (!parsed.ok || read === undefined) throw new Error("both read the answer")
          expect(read.vectors.map((vector) => Array.from(vector))).toEqual(parsed.value.vectors.map((vector) => Array.from(vector)))
          expect(read.usage).toEqual(parsed.value.usage)
          expect(read.model).toEqual(parsed.value.model)
        },
      ),
      { numRuns: 1_000 },
    )
  })

  it("copies the recorded OpenAI answer's numbers without parsing them, as the parsing path printed them", () => {
    const text = readFileSync(join(recordedDir, "openai-embedding.json"), "utf8")
    const read = readEmbeddingsAnswer(bytesOf(text), 2)
    if (read === undefined) throw new Error("the recorded answer is read from its bytes")
    const out = textOf(encodeEmbeddingsResponse(toEmbeddingsResponse(read, "m", "float")))
    expect(out).toBe(parsedWhole(text, 2, "float"))
    expect(out).toContain('"embedding":[0.0057293195,-0.012727811,0.020042092,-0.013437585,0.022833068]')
    expect(validateResponse(JSON.parse(out))).toEqual([])
    expect(read.usage).toMatchObject({ promptTokens: 12, totalTokens: 12 })
  })

  it("hands a base64 client the upstream's bytes themselves, not a copy", () => {
    const vector = float32ToBase64(Float32Array.of(0.5, -2))
    const bytes = bytesOf(`{"object":"list","data":[{"object":"embedding","index":0,"embedding":"${vector}"}],"model":"m"}`)
    const read = readEmbeddingsAnswer(bytes, 1)
    expect(read?.asSentJson?.vectors[0]?.buffer).toBe(bytes.buffer)
    expect(textOf(read?.asSentJson?.vectors[0] ?? new Uint8Array())).toBe(`"${vector}"`)
  })

  // Each hostile body either is left to the parsing path (which then answers or refuses it as
  // before) or, when valid, is read to the very answer that path gives.
  const vector = float32ToBase64(Float32Array.of(1, 2))
  const good = `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,1]},{"object":"embedding","index":1,"embedding":[2,3]}],"model":"m","usage":{"prompt_tokens":3,"total_tokens":3}}`
  const hostile: readonly (readonly [string, string])[] = [
    ["a number array where base64 was", `{"data":[{"index":0,"embedding":"${vector}"},{"index":1,"embedding":[1]}]}`],
    ["an embedding of strings", `{"data":[{"index":0,"embedding":["1"]},{"index":1,"embedding":[1]}]}`],
    ["an embedding object", `{"data":[{"index":0,"embedding":{}},{"index":1,"embedding":[1]}]}`],
    ["an index as text", `{"data":[{"index":"0","embedding":[1]},{"index":1,"embedding":[1]}]}`],
    ["a fractional index", `{"data":[{"index":0.5,"embedding":[1]},{"index":1,"embedding":[1]}]}`],
    ["an index past the count", `{"data":[{"index":2,"embedding":[1]},{"index":1,"embedding":[1]}]}`],
    ["a repeated index", `{"data":[{"index":1,"embedding":[1]},{"index":1,"embedding":[1]}]}`],
    ["one vector short", `{"data":[{"index":0,"embedding":[1]}]}`],
    ["data not an array", `{"data":{"index":0}}`],
    ["no data", `{"object":"list"}`],
    ["an error object", `{"error":{"message":"overloaded","type":"server_error"}}`],
    ["a model that is a number", good.replace('"model":"m"', '"model":7')],
    ["usage an array", good.replace(/"usage":\{[^}]*\}/, '"usage":[1]')],
    ["a huge number", good.replace("0.5,1", "1e400,1")],
    ["a tiny number", good.replace("0.5,1", "1e-400,-1e-400")],
    ["NaN", good.replace("0.5,1", "NaN,1")],
    ["Infinity", good.replace("0.5,1", "Infinity,1")],
    ["a leading plus", good.replace("0.5,1", "+0.5,1")],
    ["a leading zero", good.replace("0.5,1", "05,1")],
    ["a bare dot", good.replace("0.5,1", ".5,1")],
    ["hex", good.replace("0.5,1", "0x1,1")],
    ["a trailing comma", good.replace("0.5,1]", "0.5,1,]")],
    ["a lone comma", good.replace("[0.5,1]", "[,]")],
    ["base64 with a space", `{"data":[{"index":0,"embedding":"AACA PwAAAMA="},{"index":1,"embedding":"${vector}"}]}`],
    ["url-safe base64", `{"data":[{"index":0,"embedding":"AACA_wAAAMA="},{"index":1,"embedding":"${vector}"}]}`],
    ["base64 of 3 bytes", `{"data":[{"index":0,"embedding":"AACA"},{"index":1,"embedding":"${vector}"}]}`],
    ["base64 padded inside", `{"data":[{"index":0,"embedding":"AACAPw=AAAA="},{"index":1,"embedding":"${vector}"}]}`],
    ["base64 with an escaped slash", `{"data":[{"index":0,"embedding":"${vector.replace("A", "\\/")}"},{"index":1,"embedding":"${vector}"}]}`],
    ["base64 with a raw newline", `{"data":[{"index":0,"embedding":"AACAPwAA\nAMA="},{"index":1,"embedding":"${vector}"}]}`],
    ["an escaped key", good.replace('"data"', '"\\u0064ata"')],
    ["a repeated data", good.replace('"model":"m"', '"data":[]')],
    ["a repeated embedding", good.replace('"embedding":[2,3]', '"embedding":[2,3],"embedding":"AAAA"')],
    ["a repeated index key", good.replace('"index":1,', '"index":0,"index":1,')],
    ["a repeated model", good.replace('"model":"m"', '"model":"a","model":"b"')],
    ["a repeated usage, a bad one last", good.replace('"model":"m"', '"usage":{"prompt_tokens":1},"model":"m","usage":"x"')],
    ["an object that is no string", good.replace('"object":"embedding"', '"object":1')],
    ["extra members everywhere", good.replace('"object":"embedding"', '"object":"embedding","x":{"y":[1,{"z":"]}"}]}').replace('"model"', '"extra":[[[]]],"model"')],
    ["an extra member that is no JSON", good.replace('"model"', '"extra":[1,],"model"')],
    ["an unclosed string in an extra member", good.replace('"model":"m"', '"extra":"abc')],
    ["an out-of-order answer", `{"data":[{"index":1,"embedding":[2]},{"index":0,"embedding":[1]}],"model":"m"}`],
    ["mixed encodings", `{"data":[{"index":0,"embedding":"${vector}"},{"index":1,"embedding":[1,2]}]}`],
    ["a byte-order mark", `\ufeff${good}`],
    ["trailing text", `${good} x`],
    ["two documents", `${good}${good}`],
    ["an empty body", ""],
    ["a control character in a key", good.replace('"model"', '"mo\u0001del"')],
    ["deep nesting in an extra member", good.replace('"model"', `"deep":${"[".repeat(100_000)}${"]".repeat(100_000)},"model"`)],
    ["unbalanced deep nesting", good.replace('"model"', `"deep":${"[".repeat(100_000)},"model"`)],
  ]

  it.each(hostile)("%s: read to the parsing path's answer, or left to it", (_name, text) => {
    for (const encoding of ["float", "base64"] as const) {
      const read = readFromBytes(text, 2, encoding)
      if (read !== "left") expect(read).toBe(parsedWhole(text, 2, encoding))
      // Whatever the parsing path refuses, the reader leaves to it: it refuses it as before.
      if (parsedWhole(text, 2, encoding) === "refused") expect(read).toBe("left")
    }
  })

  it("reads the valid ones of them from the bytes", () => {
    for (const name of ["extra members everywhere", "an out-of-order answer", "a repeated model", "a huge number", "a tiny number"]) {
      const text = hostile.find(([n]) => n === name)?.[1] ?? ""
      expect(readEmbeddingsAnswer(bytesOf(text), 2), name).toBeDefined()
    }
  })

  it("every cut of an answer is refused by both, or (a cut in trailing space) read alike", () => {
    const text = `${good}\n`
    for (let end = 0; end < text.length; end++) {
      const cut = text.slice(0, end)
      const read = readFromBytes(cut, 2, "float")
      expect(read === "left" ? parsedWhole(cut, 2, "float") : read, `cut at ${end}`).toBe(parsedWhole(cut, 2, "float"))
      if (end < good.length) expect(read, `cut at ${end}`).toBe("left")
    }
  })

  it("writes a huge number as the parsing path did (null), a tiny one as 0, Python's 1e-05 as 0.00001", () => {
    expect(readFromBytes(good.replace("0.5,1", "1e400,1e-05"), 2, "float")).toContain('"embedding":[null,0.00001]')
    expect(readFromBytes(good.replace("0.5,1", "1e-400,-0"), 2, "float")).toContain('"embedding":[0,0]')
  })
})
