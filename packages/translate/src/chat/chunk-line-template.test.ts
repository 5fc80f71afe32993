import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { recordedDir } from "../../test/shared-dir.ts"
import { learnChunkLineTemplate, readChunkLine } from "./chunk-line-template.ts"
import { decodeStreamEvent, initialStreamDecoderState, type StreamDecoderEvent, type StreamDecoderOutput } from "./stream-decoder.ts"

const fixturesDir = join(import.meta.dirname, "../../test/fixtures")

/** Every recorded or documented OpenAI-compatible stream: `[name, data lines]`. */
function streams(): [string, string[]][] {
  const found: [string, string[]][] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith(".chunks.txt"))
        found.push([
          path,
          readFileSync(path, "utf8")
            .split("\n")
            .filter((line) => line.trim() !== ""),
        ])
    }
  }
  walk(recordedDir)
  walk(fixturesDir)
  return found
}

/** JSON.parse's value with key order: what the template must give. */
const asParsed = (line: string): string | undefined => {
  try {
    return JSON.stringify(JSON.parse(line))
  } catch {
    return undefined
  }
}

const openaiLines = readFileSync(join(recordedDir, "openai-text.chunks.txt"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
const [, secondLine = ""] = openaiLines
const secondValue: unknown = JSON.parse(secondLine)

describe("chunk line templates", () => {
  it("finds the recorded streams", () => {
    expect(streams().length).toBeGreaterThanOrEqual(10)
  })

  it("learn from a recorded OpenAI text chunk and read the rest of that stream's text chunks without a full parse", () => {
    const template = learnChunkLineTemplate(secondLine, secondValue)
    expect(template?.prefix.endsWith('"delta":{"content":"')).toBe(true)
    const read = openaiLines.filter((line) => readChunkLine(template!, line) !== undefined)
    // 302 events: the role chunk, the finish chunk and the usage chunk have other shapes.
    expect(read.length).toBeGreaterThanOrEqual(openaiLines.length - 3)
    for (const line of read) expect(JSON.stringify(readChunkLine(template!, line))).toBe(asParsed(line))
  })

  it("read every line of every recorded stream as JSON.parse does, whichever line taught them", () => {
    for (const [, lines] of streams()) {
      for (const teacher of lines) {
        const parsed = asParsed(teacher)
        if (parsed === undefined) continue
        const template = learnChunkLineTemplate(teacher, JSON.parse(teacher))
        if (template === undefined) continue
        for (const line of lines) {
          const read = readChunkLine(template, line)
          if (read !== undefined) expect(JSON.stringify(read)).toBe(asParsed(line))
        }
      }
    }
  })

  it("give JSON.parse's value or nothing for any text, any trailing fields and any damage to a learned line", () => {
    const template = learnChunkLineTemplate(secondLine, secondValue)!
    const [before, after] = [secondLine.slice(0, template.prefix.length), secondLine.slice(template.prefix.length + 2)] // the recorded text is "**"
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 20 }).map((value) => JSON.stringify(value).slice(1, -1)),
      fc.string({ unit: fc.constantFrom("a", '"', "\\", "u", "0", "\n", "\u0001", "é", "}", "]", ","), maxLength: 12 }),
    )
    const key = fc.constantFrom("usage", "obfuscation", "choices", "id", "__proto__", "x", "")
    const trailing = fc.oneof(
      fc.constant(after),
      fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((extra) => {
        const choicesEnd = after.indexOf("}]") + 2
        const body = JSON.stringify(extra).slice(1, -1)
        return `${after.slice(0, choicesEnd)}${body === "" ? "" : `,${body}`}}`
      }),
      fc.string({ maxLength: 8 }).map((tail) => `${after}${tail}`),
      // The recorded tail with any raw text as its last value, escapes and quotes included.
      fc.string({ unit: fc.constantFrom("a", '"', "\\", "u", "0", "\n", "}", ","), maxLength: 8 }).map((last) => `${after.slice(0, after.indexOf("}]") + 2)},"usage":null,"obfuscation":"${last}"}`),
    )
    const damage = fc.oneof(
      fc.constant((line: string) => line),
      // No backslash here: Node 24.21's JSON.parse can give a wrong key for an escaped key after another escaped key (a V8 bug, found by a fuzzing pass), which would fail this property for JSON.parse's fault.
      fc.tuple(fc.nat(), fc.string({ unit: fc.constantFrom('"', "}", "]", "{", "[", ",", ":", " ", "a", "0", "\u0000", "é", "\u2028"), maxLength: 3 })).map(([at, inserted]) => (line: string) => {
        const i = at % (line.length + 1)
        return `${line.slice(0, i)}${inserted}${line.slice(i)}`
      }),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 })).map(([at, length]) => (line: string) => {
        const i = at % (line.length + 1)
        return `${line.slice(0, i)}${line.slice(i + length)}`
      }),
    )
    fc.assert(
      fc.property(text, trailing, damage, (body, tail, damaged) => {
        const line = damaged(`${before}${body}${tail}`)
        const read = readChunkLine(template, line)
        if (read !== undefined) expect(JSON.stringify(read)).toBe(asParsed(line))
        // "__proto__" stays an own data field, as JSON.parse makes it.
        if (read !== undefined) expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
      }),
      { numRuns: 3000 },
    )
  })

  it("refuse a tail whose last value lost its closing quote (a counterexample fast-check found)", () => {
    const template = learnChunkLineTemplate(secondLine, secondValue)!
    const cut = `${secondLine.slice(0, template.prefix.length)}x"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"}`
    expect(() => JSON.parse(cut)).toThrow()
    expect(readChunkLine(template, cut)).toBeUndefined()
  })

  it("refuse a comma after choices with no field after it, which JSON.parse refuses (found by a fuzzing pass)", () => {
    const taught = '{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}'
    const template = learnChunkLineTemplate(taught, JSON.parse(taught))
    expect(template).toBeDefined()
    for (const line of ['{"id":"x","choices":[{"index":0,"delta":{"content":"Yo"},"finish_reason":null}],}', '{"id":"x","choices":[{"index":0,"delta":{"content":"Yo"},"finish_reason":null}], \n}']) {
      expect(() => JSON.parse(line)).toThrow()
      expect(readChunkLine(template!, line)).toBeUndefined()
    }
    const openai = learnChunkLineTemplate(secondLine, secondValue)!
    const cut = `${secondLine.slice(0, secondLine.indexOf("}]") + 2)},}`
    expect(readChunkLine(openai, cut)).toBeUndefined()
  })

  it("are learned only at the only choice's delta content, even where a later duplicate key hides the line's own bytes (found by a fuzzing pass)", () => {
    const taught = '{"x":{"content":"q"},"choices":[{"delta":{"content":""}}],"x":0,"choices":[{"delta":{"content":"T"}}]}'
    const template = learnChunkLineTemplate(taught, JSON.parse(taught))
    const other = '{"x":{"content":"hello"},"choices":[{"delta":{"content":""}}]}'
    if (template !== undefined) {
      const read = readChunkLine(template, other)
      if (read !== undefined) expect(JSON.stringify(read)).toBe(other)
    }
  })

  it("learn nothing from a line longer than 8 KiB, or from past its first four content keys (learning was quadratic in them)", () => {
    const decoys = (count: number) => Array.from({ length: count }, () => '{"content":"a"}').join(",")
    const long = `{"decoys":[${decoys(4_000)}],"choices":[{"index":0,"delta":{"content":"x"}}]}`
    expect(long.length).toBeGreaterThan(8 * 1024)
    expect(learnChunkLineTemplate(long, JSON.parse(long))).toBeUndefined()
    const fifth = `{"decoys":[${decoys(4)}],"choices":[{"index":0,"delta":{"content":"x"}}]}`
    expect(learnChunkLineTemplate(fifth, JSON.parse(fifth))).toBeUndefined()
    const plain = '{"choices":[{"index":0,"delta":{"content":"x"}}]}'
    expect(learnChunkLineTemplate(plain, JSON.parse(plain))).toBeDefined()
  })

  it("give every read objects of its own: no template is learned from a line with nested values but the choice's", () => {
    const nested = '{"meta":{"a":1},"choices":[{"index":0,"delta":{"content":"x"},"logprobs":{"content":[]}}]}'
    expect(learnChunkLineTemplate(nested, JSON.parse(nested))).toBeUndefined()
    const template = learnChunkLineTemplate(secondLine, secondValue)!
    const [first, again] = [readChunkLine(template, secondLine), readChunkLine(template, secondLine)]
    expect(first).not.toBe(again)
    expect(JSON.stringify(first)).toBe(JSON.stringify(again))
    const choicesOf = (value: unknown): unknown => (typeof value === "object" && value !== null ? Reflect.get(value, "choices") : undefined)
    expect(choicesOf(first)).not.toBe(choicesOf(again))
  })

  it("are not learned where the text is not the only choice's delta content", () => {
    const elsewhere = '{"extra":{"content":"x"},"choices":[{"index":0,"delta":{"content":"y"}}]}'
    const template = learnChunkLineTemplate(elsewhere, JSON.parse(elsewhere))
    // A nested value is never templated (reads must not share objects); were it learned, it would be at the delta's content.
    if (template !== undefined) expect(template.prefix).toBe('{"extra":{"content":"x"},"choices":[{"index":0,"delta":{"content":"')
    // Here the extension's text comes first and the delta's is empty: reading another extension text into the delta would pass every shape check.
    const emptyDelta = '{"extra":{"content":"x"},"choices":[{"index":0,"delta":{"content":""}}]}'
    const other = '{"extra":{"content":"z"},"choices":[{"index":0,"delta":{"content":""}}]}'
    const learned = learnChunkLineTemplate(emptyDelta, JSON.parse(emptyDelta))
    if (learned !== undefined) {
      const read = readChunkLine(learned, other)
      if (read !== undefined) expect(JSON.stringify(read)).toBe(other)
    }
    const twoChoices = '{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]}'
    expect(learnChunkLineTemplate(twoChoices, JSON.parse(twoChoices))).toBeUndefined()
    const noText = '{"choices":[{"index":0,"delta":{"tool_calls":[]}}]}'
    expect(learnChunkLineTemplate(noText, JSON.parse(noText))).toBeUndefined()
  })
})

describe("the stream decoder with templates", () => {
  it("gives every recorded stream's outputs exactly as from fully parsed events", () => {
    for (const [name, lines] of streams()) {
      const run = (toEvent: (line: string) => StreamDecoderEvent) => {
        let state = initialStreamDecoderState()
        const outputs: StreamDecoderOutput[] = []
        for (const event of [...lines.map(toEvent), { type: "data", data: "[DONE]" } as const, { type: "end" } as const]) {
          const [next, out] = decodeStreamEvent(state, event)
          state = next
          outputs.push(...out)
        }
        return { outputs, state }
      }
      const templated = run((data) => ({ type: "data", data }))
      const parsed = run((data) => {
        const value = asParsed(data)
        return value === undefined ? { type: "data", data } : { type: "json", value: JSON.parse(data) }
      })
      expect(templated.outputs, name).toEqual(parsed.outputs)
    }
  })

  it("uses a template for the recorded OpenAI stream", () => {
    let state = initialStreamDecoderState()
    for (const data of openaiLines) [state] = decodeStreamEvent(state, { type: "data", data })
    expect(state.lineTemplate?.prefix.endsWith('"delta":{"content":"')).toBe(true)
    expect(state.templatesTried).toBe(1) // from the first text chunk; the role chunk has empty text
  })
})
