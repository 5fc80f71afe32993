import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { outputSequence, sequenceOf, withRun } from "./output-sequence.ts"
import type { GenerateChoiceResult, OutputRun } from "./types.ts"

const run: fc.Arbitrary<OutputRun> = fc.oneof(
  fc.record({ kind: fc.constantFrom("reasoning" as const, "content" as const, "refusal" as const), chars: fc.integer({ min: -2, max: 8 }) }),
  fc.record({ kind: fc.constant("toolCall" as const), position: fc.integer({ min: -1, max: 4 }) }),
)

describe("outputSequence", () => {
  it("without a sequence: reasoning, content, refusal, then the calls in order (empty text left out)", () => {
    const calls = [
      { id: "a", name: "f", arguments: "{}" },
      { id: "b", name: "g", arguments: "{}" },
    ]
    expect(outputSequence({ content: "t", reasoning: "r", refusal: "", toolCalls: calls, finishReason: "tool_calls" })).toEqual([
      { kind: "reasoning", text: "r" },
      { kind: "content", text: "t" },
      { kind: "toolCall", call: calls[0] },
      { kind: "toolCall", call: calls[1] },
    ])
  })

  it("whatever the runs say, each text comes out whole and in order, each call once, no empty text, no two adjacent texts of one kind", () => {
    const text = fc.option(fc.string({ maxLength: 10 }), { nil: undefined })
    fc.assert(
      fc.property(text, text, text, fc.nat({ max: 4 }), fc.array(run, { maxLength: 10 }), (reasoning, content, refusal, callCount, sequence) => {
        const toolCalls = Array.from({ length: callCount }, (_, i) => ({ id: `c${i}`, name: "f", arguments: "{}" }))
        const choice: GenerateChoiceResult = { content: content ?? null, finishReason: "stop", toolCalls, sequence, ...(reasoning === undefined ? {} : { reasoning }), ...(refusal === undefined ? {} : { refusal }) }
        const segments = outputSequence(choice)
        const joined = (kind: string) => segments.flatMap((s) => (s.kind === kind && s.kind !== "toolCall" ? [s.text] : [])).join("")
        expect(joined("reasoning")).toBe(reasoning ?? "")
        expect(joined("content")).toBe(content ?? "")
        expect(joined("refusal")).toBe(refusal ?? "")
        expect(segments.flatMap((s) => (s.kind === "toolCall" ? [s.call.id] : [])).sort()).toEqual(toolCalls.map((c) => c.id).sort())
        for (const [i, s] of segments.entries()) {
          if (s.kind !== "toolCall") expect(s.text).not.toBe("")
          if (i > 0 && s.kind !== "toolCall") expect(segments[i - 1]?.kind).not.toBe(s.kind)
        }
      }),
    )
  })
})

describe("withRun and sequenceOf", () => {
  it("join text of one kind, skip empty text and repeated calls", () => {
    let runs: readonly OutputRun[] = []
    for (const next of [
      { kind: "reasoning", chars: 2 },
      { kind: "reasoning", chars: 3 },
      { kind: "content", chars: 0 },
      { kind: "toolCall", position: 0 },
      { kind: "toolCall", position: 0 },
    ] as const)
      runs = withRun(runs, next)
    expect(runs).toEqual([
      { kind: "reasoning", chars: 5 },
      { kind: "toolCall", position: 0 },
    ])
  })

  it("say nothing for the default order, and give the runs back for any other", () => {
    expect(
      sequenceOf([
        { kind: "reasoning", chars: 1 },
        { kind: "content", chars: 1 },
        { kind: "refusal", chars: 1 },
        { kind: "toolCall", position: 0 },
        { kind: "toolCall", position: 1 },
      ]),
    ).toBeUndefined()
    expect(sequenceOf([])).toBeUndefined()
    const interleaved: OutputRun[] = [
      { kind: "reasoning", chars: 1 },
      { kind: "toolCall", position: 0 },
      { kind: "reasoning", chars: 1 },
    ]
    expect(sequenceOf(interleaved)).toBe(interleaved)
    const swapped: OutputRun[] = [
      { kind: "toolCall", position: 1 },
      { kind: "toolCall", position: 0 },
    ]
    expect(sequenceOf(swapped)).toBe(swapped)
    const textAfterCall: OutputRun[] = [
      { kind: "toolCall", position: 0 },
      { kind: "content", chars: 2 },
    ]
    expect(sequenceOf(textAfterCall)).toBe(textAfterCall)
  })

  it("recorded with withRun and kept by sequenceOf, any order of pieces reads back as it came", () => {
    type Piece = { readonly kind: "reasoning" | "content" | "refusal"; readonly text: string } | { readonly kind: "toolCall" }
    const piece: fc.Arbitrary<Piece> = fc.oneof(fc.record({ kind: fc.constantFrom("reasoning" as const, "content" as const, "refusal" as const), text: fc.string({ maxLength: 4 }) }), fc.constant({ kind: "toolCall" as const }))
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const fields = { reasoning: "", content: "", refusal: "" }
        const toolCalls: { id: string; name: string; arguments: string }[] = []
        let runs: readonly OutputRun[] = []
        const expected: { kind: string; text?: string; id?: string }[] = []
        for (const p of pieces) {
          if (p.kind === "toolCall") {
            runs = withRun(runs, { kind: "toolCall", position: toolCalls.length })
            toolCalls.push({ id: `c${toolCalls.length}`, name: "f", arguments: "{}" })
            expected.push({ kind: "toolCall", id: `c${toolCalls.length - 1}` })
            continue
          }
          fields[p.kind] += p.text
          runs = withRun(runs, { kind: p.kind, chars: p.text.length })
          const last = expected[expected.length - 1]
          if (p.text === "") continue
          if (last !== undefined && last.kind === p.kind) last.text = (last.text ?? "") + p.text
          else expected.push({ kind: p.kind, text: p.text })
        }
        const sequence = sequenceOf(runs)
        const choice: GenerateChoiceResult = { ...fields, toolCalls, finishReason: "stop", ...(sequence === undefined ? {} : { sequence }) }
        const read = outputSequence(choice).map((s) => (s.kind === "toolCall" ? { kind: s.kind, id: s.call.id } : s))
        expect(read).toEqual(expected)
      }),
    )
  })
})
