import { GatewayFailure } from "../errors/gateway-error.ts"
import { MAX_STREAM_LINE } from "../sse/decode-sse.ts"

/**
 * Splits an NDJSON byte stream into lines, however the bytes were cut (even inside a
 * UTF-8 character), within a bound on one line's length so an upstream cannot grow
 * memory without end.
 */
export interface NdjsonDecoder {
  /** Throws an `invalid_upstream_stream` failure as soon as the line being read passes the limit. */
  push(bytes: Uint8Array): readonly string[]
  /** The stream ended: the last line, if it had no newline. */
  end(): readonly string[]
}

const NEWLINE = 0x0a

/**
 * Only the bytes just pushed are scanned for a newline (a byte 0x0a is never inside a
 * UTF-8 character), and a line is decoded once, when whole: the work is linear in the
 * stream. Re-splitting the pending text on each push made one long line quadratic.
 */
export function createNdjsonDecoder(maxLineBytes: number = MAX_STREAM_LINE): NdjsonDecoder {
  const text = new TextDecoder("utf-8")
  let parts: Uint8Array[] = []
  let size = 0
  const hold = (bytes: Uint8Array) => {
    if (size + bytes.length > maxLineBytes) {
      parts = []
      size = 0
      throw new GatewayFailure({ _tag: "UpstreamError", code: "invalid_upstream_stream", detail: `an NDJSON line is longer than ${maxLineBytes} bytes` })
    }
    // A copy: the caller may reuse its buffer, and a view would keep a whole chunk alive for a few bytes.
    if (bytes.length > 0) parts.push(bytes.slice())
    size += bytes.length
  }
  const take = (): string | undefined => {
    const whole = parts.length === 1 && parts[0] !== undefined ? parts[0] : joined(parts, size)
    const line = text.decode(whole).replace(/\r$/, "")
    parts = []
    size = 0
    return line.trim() === "" ? undefined : line
  }
  return {
    push(bytes) {
      const lines: string[] = []
      let start = 0
      for (let newline = bytes.indexOf(NEWLINE); newline !== -1; newline = bytes.indexOf(NEWLINE, start)) {
        hold(bytes.subarray(start, newline))
        const line = take()
        if (line !== undefined) lines.push(line)
        start = newline + 1
      }
      hold(bytes.subarray(start))
      return lines
    },
    end() {
      const last = take()?.trim()
      return last === undefined ? [] : [last]
    },
  }
}

function joined(parts: readonly Uint8Array[], size: number): Uint8Array {
  const whole = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    whole.set(part, at)
    at += part.length
  }
  return whole
}
