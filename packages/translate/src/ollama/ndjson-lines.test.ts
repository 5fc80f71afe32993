import fc from "fast-check"
import { afterEach, describe, expect, it, vi } from "vitest"
import { GatewayFailure } from "../errors/gateway-error.ts"
import { createNdjsonDecoder } from "./ndjson-lines.ts"

const encoder = new TextEncoder()

/** The ways a portable decoder scans text or bytes for a newline (split, indexOf), counted in the characters or bytes each call looks at. */
function countScans(): { scanned(): number } {
  let scanned = 0
  const count = (length: number, from: unknown) => {
    scanned += Math.max(0, length - (typeof from === "number" ? from : 0))
  }
  const split = String.prototype.split
  const stringIndexOf = String.prototype.indexOf
  const bytesIndexOf = Uint8Array.prototype.indexOf
  vi.spyOn(String.prototype, "split").mockImplementation(function (this: string, ...args: Parameters<typeof split>) {
    count(this.length, 0)
    return split.apply(this, args)
  })
  vi.spyOn(String.prototype, "indexOf").mockImplementation(function (this: string, search: string, from?: number) {
    count(this.length, from)
    return stringIndexOf.call(this, search, from)
  })
  vi.spyOn(Uint8Array.prototype, "indexOf").mockImplementation(function (this: Uint8Array, search: number, from?: number) {
    count(this.length, from)
    return bytesIndexOf.call(this, search, from)
  })
  return { scanned: () => scanned }
}

afterEach(() => {
  vi.restoreAllMocks()
})

/** Pushes `bytes` in pieces of `piece` bytes; the lines out and how many bytes had been pushed when it threw, if it did. */
function feed(decoder: ReturnType<typeof createNdjsonDecoder>, bytes: Uint8Array, piece: number): { lines: string[]; refusedAfter: number | undefined; error: unknown } {
  const lines: string[] = []
  for (let at = 0; at < bytes.length; at += piece) {
    try {
      lines.push(...decoder.push(bytes.subarray(at, at + piece)))
    } catch (error) {
      return { lines, refusedAfter: Math.min(at + piece, bytes.length), error }
    }
  }
  lines.push(...decoder.end())
  return { lines, refusedAfter: undefined, error: undefined }
}

describe("the NDJSON line splitter", () => {
  it("splits any lines however the bytes are cut, as splitting the whole text would (CRLF and blank lines dropped)", () => {
    const line = fc.oneof(fc.string({ unit: "grapheme" }), fc.json()).map((text) => text.replace(/[\r\n]/g, " "))
    fc.assert(
      fc.property(fc.array(fc.tuple(line, fc.constantFrom("\n", "\r\n", "\n\n"))), fc.integer({ min: 1, max: 9 }), fc.boolean(), (lines, piece, lastNewline) => {
        const text = lines.map(([l, end]) => l + end).join("") + (lastNewline ? "" : "tail")
        const expected = text
          .split("\n")
          .map((l) => l.replace(/\r$/, ""))
          .filter((l) => l.trim() !== "")
        const out = feed(createNdjsonDecoder(), encoder.encode(text), piece)
        expect(out.error).toBeUndefined()
        expect(out.lines).toEqual(expected)
      }),
    )
  })

  it("scans each byte a bounded number of times: a 4 MiB line in 16 KiB pieces costs at most twice its size (it was quadratic)", () => {
    const line = encoder.encode(`{"message":{"content":"${"x".repeat(4 * 1024 * 1024)}"}}\n`)
    const scans = countScans()
    const out = feed(createNdjsonDecoder(), line, 16 * 1024)
    const scanned = scans.scanned()
    vi.restoreAllMocks()
    expect(out.error).toBeUndefined()
    expect(out.lines).toHaveLength(1)
    expect(scanned).toBeLessThanOrEqual(2 * line.length)
  })

  it("refuses a line as soon as it passes the limit, before more than one piece past it was pushed", () => {
    const limit = 1024 * 1024
    const piece = 64 * 1024
    const { refusedAfter, error } = feed(createNdjsonDecoder(limit), encoder.encode("x".repeat(50 * limit)), piece)
    expect(refusedAfter).toBeDefined()
    expect(refusedAfter).toBeLessThanOrEqual(limit + piece)
    expect(GatewayFailure.reasonOf(error)).toMatchObject({ _tag: "UpstreamError", code: "invalid_upstream_stream" })
  })

  it("takes a line of exactly the limit in bytes (UTF-8), and refuses one byte more", () => {
    const exact = "é".repeat(8) // 16 bytes
    expect(feed(createNdjsonDecoder(16), encoder.encode(`${exact}\n`), 3).lines).toEqual([exact])
    expect(feed(createNdjsonDecoder(16), encoder.encode(`${exact}x\n`), 3).error).toBeDefined()
    expect(feed(createNdjsonDecoder(16), encoder.encode(`${exact}x`), 100).error).toBeDefined()
  })
})
