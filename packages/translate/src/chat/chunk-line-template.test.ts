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
      else if (entry.name.endsWith(".chunks.txt")) found.push([path, readFileSync(path, "utf8").split("\n").filter((line) => line.trim() !== "")])
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

const openaiLines = readFileSync(join(recordedDir, "openai-text.chunks.txt"), "utf8").split("\n").filter((line) => line.trim() !== "")
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
      fc.tuple(fc.nat(), fc.string({ maxLength: 3 })).map(([at, inserted]) => (line: string) => {
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

  it("are not learned where the text is not the only choice's delta content", () => {
    const elsewhere = '{"extra":{"content":"x"},"choices":[{"index":0,"delta":{"content":"y"}}]}'
    const template = learnChunkLineTemplate(elsewhere, JSON.parse(elsewhere))
    // If learned, it must be at the delta's content, not the extension's.
    expect(template?.prefix).toBe('{"extra":{"content":"x"},"choices":[{"index":0,"delta":{"content":"')
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
