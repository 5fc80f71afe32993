import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { GatewayFailure } from "../errors/gateway-error.ts"
import { createSseDecoder } from "./decode-sse.ts"
import { encodeSseComment, encodeSseData, SSE_DONE } from "./encode-sse.ts"

function decodeInPieces(bytes: Uint8Array, cuts: readonly number[]) {
  const decoder = createSseDecoder()
  const points = [0, ...[...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b), bytes.length]
  const events = []
  for (let i = 0; i + 1 < points.length; i++) events.push(...decoder.push(bytes.slice(points[i], points[i + 1])))
  events.push(...decoder.end())
  return events
}

const encoder = new TextEncoder()

describe("SSE codec", () => {
  it("encodes exactly `data: <one-line JSON>\\n\\n` and the [DONE] sentinel", () => {
    expect(encodeSseData({ a: "line\nbreak\r\n" })).toBe('data: {"a":"line\\nbreak\\r\\n"}\n\n')
    expect(SSE_DONE).toBe("data: [DONE]\n\n")
    expect(encodeSseComment("ping")).toBe(": ping\n\n")
    expect(() => encodeSseComment("a\nb")).toThrow()
  })

  it("decode(encode(events)) equals events for any split of the bytes, multi-byte characters included", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (values, cuts, comments) => {
        const text = values.map((v) => (comments ? encodeSseComment("keep-alive") : "") + encodeSseData(v)).join("") + SSE_DONE
        const events = decodeInPieces(encoder.encode(text), cuts)
        expect(events.map((e) => e.data)).toEqual([...values.map((v) => JSON.stringify(v)), "[DONE]"])
      }),
      { numRuns: 500 },
    )
  })

  it("follows the spec: CRLF and CR line ends, comments, multi-line data, event and id fields, optional space", () => {
    const text = ": hello\r\ndata: a\r\ndata: b\r\n\r\nevent: x\rid: 7\rdata:c\r\rdata: d\n\n"
    const events = decodeInPieces(encoder.encode(text), [3, 9, 20, 21])
    expect(events).toEqual([
      { event: undefined, id: undefined, data: "a\nb" },
      { event: "x", id: "7", data: "c" },
      { event: undefined, id: "7", data: "d" },
    ])
  })

  it("drops an event whose blank line never came, as the spec says", () => {
    expect(decodeInPieces(encoder.encode('data: {"a":1}\n\ndata: {"b"'), [])).toEqual([{ event: undefined, id: undefined, data: '{"a":1}' }])
  })

  it("refuses a line longer than its buffer bound, as an invalid upstream stream", () => {
    const decoder = createSseDecoder(64)
    let thrown: unknown
    try {
      decoder.push(encoder.encode(`data: ${"x".repeat(200)}`))
    } catch (error) {
      thrown = error
    }
    expect(GatewayFailure.reasonOf(thrown)).toMatchObject({ _tag: "UpstreamError", code: "invalid_upstream_stream" })
  })

  it("ignores unknown fields and a bad retry value, as the spec says, and keeps the stream going", () => {
    expect(decodeInPieces(encoder.encode('vendor: x\nretry: soon\ndata: {"a":1}\n\ndata: {"b":2}\n\n'), [3, 17])).toEqual([
      { event: undefined, id: undefined, data: '{"a":1}' },
      { event: undefined, id: undefined, data: '{"b":2}' },
    ])
  })
})
