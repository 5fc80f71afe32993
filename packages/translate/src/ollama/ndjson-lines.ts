/**
 * Splits an NDJSON byte stream into lines, however the bytes were cut (even inside a
 * UTF-8 character), within a bound on one line's length so an upstream cannot grow
 * memory without end.
 */
export interface NdjsonDecoder {
  push(bytes: Uint8Array): readonly string[]
  /** The stream ended: the last line, if it had no newline. */
  end(): readonly string[]
}

const DEFAULT_MAX_LINE = 16 * 1024 * 1024

export function createNdjsonDecoder(maxLineChars: number = DEFAULT_MAX_LINE): NdjsonDecoder {
  const text = new TextDecoder("utf-8")
  let pending = ""
  const split = (): string[] => {
    const lines = pending.split("\n")
    pending = lines.pop() ?? ""
    if (pending.length > maxLineChars) throw new RangeError("an NDJSON line is longer than the limit")
    return lines.map((line) => line.replace(/\r$/, "")).filter((line) => line.trim() !== "")
  }
  return {
    push(bytes) {
      pending += text.decode(bytes, { stream: true })
      return split()
    },
    end() {
      pending += text.decode()
      const lines = split()
      const last = pending.trim()
      pending = ""
      return last === "" ? lines : [...lines, last]
    },
  }
}
