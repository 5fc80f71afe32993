import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { isBigIntegerText, parseJsonLossless, parseRequestJson } from "./parse-request-json.ts"

const bytes = (text: string) => new TextEncoder().encode(text)

describe("parseRequestJson", () => {
  it("keeps an integer beyond 2^53 as its own digits when serialised again", () => {
    const parsed = parseRequestJson(bytes('{"a":{"b":[123456789012345678901,-98765432109876543210,7,1.5]}}'))
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(JSON.stringify(parsed.value)).toBe('{"a":{"b":[123456789012345678901,-98765432109876543210,7,1.5]}}')
  })

  it("gives a big integer as a value no typed field can take for a number", () => {
    const parsed = parseRequestJson(bytes('{"n":123456789012345678901}'))
    if (!parsed.ok) throw new Error("expected ok")
    const value: unknown = Reflect.get(Object(parsed.value), "n")
    expect(typeof value).not.toBe("number")
    expect(typeof value).not.toBe("bigint")
    expect(isBigIntegerText(value)).toBe(true)
  })

  it("keeps safe integers and floats as numbers", () => {
    const parsed = parseRequestJson(bytes('{"a":9007199254740991,"b":1e300,"c":0.1}'))
    expect(parsed).toEqual({ ok: true, value: { a: 9007199254740991, b: 1e300, c: 0.1 } })
  })

  it("refuses invalid UTF-8 with a 400 saying so", () => {
    const parsed = parseRequestJson(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]))
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.error).toMatchObject({ _tag: "InvalidRequest", param: null, code: "invalid_encoding" })
    expect(parsed.error._tag === "InvalidRequest" && parsed.error.message).toMatch(/UTF-8/)
  })

  it("refuses a lone surrogate, naming the string's path", () => {
    const parsed = parseRequestJson(bytes('{"messages":[{"role":"user","content":"ok"},{"role":"user","content":"a\\ud800b"}]}'))
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.error).toMatchObject({ _tag: "InvalidRequest", param: "messages[1].content", code: "invalid_value" })
  })

  it("refuses a lone surrogate in a key, naming the key's path", () => {
    const parsed = parseRequestJson(bytes('{"tools":[{"p":{"\\udc00":1}}]}'))
    if (parsed.ok) throw new Error("expected a refusal")
    expect(parsed.error).toMatchObject({ param: "tools[0].p" })
  })

  it("accepts surrogate pairs written as escapes", () => {
    expect(parseRequestJson(bytes('{"a":"\\ud83d\\ude00"}'))).toEqual({ ok: true, value: { a: "😀" } })
  })

  it("refuses malformed JSON as invalid_json", () => {
    const parsed = parseRequestJson(bytes('{"a":'))
    if (parsed.ok) throw new Error("expected a refusal")
    expect(parsed.error).toMatchObject({ _tag: "InvalidRequest", param: null, code: "invalid_json" })
  })

  it("round-trips any JSON value with integers of any size to the same text (property)", () => {
    const bigInt = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((n) => ({ raw: n.toString() }))
    const leaf = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.integer(), bigInt)
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("node")), fc.dictionary(fc.string(), tie("node"))),
    })).node
    const write = (value: unknown): string =>
      Array.isArray(value)
        ? `[${value.map(write).join(",")}]`
        : typeof value === "object" && value !== null
          ? "raw" in value && typeof value.raw === "string" && Object.keys(value).length === 1
            ? value.raw
            : `{${Object.entries(value)
                .map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`)
                .join(",")}}`
          : JSON.stringify(value)
    fc.assert(
      fc.property(tree, (value) => {
        const text = write(value)
        const parsed = parseJsonLossless(text)
        expect(JSON.stringify(parsed)).toBe(text)
      }),
    )
  })
})
