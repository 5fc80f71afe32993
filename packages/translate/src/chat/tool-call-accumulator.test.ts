import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { streamLimits, type StreamLimits } from "./stream-limits.ts"
import { addToolCallFragment, finishToolCalls, hasToolCalls, initialToolCallAccumulator, toolCallPosition, type ToolCallAccumulator, type ToolCallEvent, type ToolCallFragment } from "./tool-call-accumulator.ts"

interface JoinedCall {
  readonly id: string
  readonly name: string
  readonly arguments: string
}

interface Folded {
  readonly accumulator: ToolCallAccumulator
  readonly events: readonly ToolCallEvent[]
  readonly standInIds: number
}

/** Feeds the fragments and finishes; the first refusal is the answer. */
function fold(fragments: readonly ToolCallFragment[], limits: StreamLimits = streamLimits): Folded | { readonly detail: string } {
  let accumulator = initialToolCallAccumulator(limits)
  const events: ToolCallEvent[] = []
  for (const fragment of fragments) {
    const step = addToolCallFragment(accumulator, fragment)
    if (!step.ok) return { detail: step.detail }
    accumulator = step.accumulator
    events.push(...step.events)
  }
  const finished = finishToolCalls(accumulator)
  if (!finished.ok) return { detail: finished.detail }
  return { accumulator: finished.accumulator, events: [...events, ...finished.events], standInIds: finished.standInIds }
}

/** The calls the events announce, by position, as a client joining them would see them. */
function joined(events: readonly ToolCallEvent[]): JoinedCall[] {
  const calls: JoinedCall[] = []
  for (const event of events) {
    switch (event.type) {
      case "start":
        expect(event.position).toBe(calls.length)
        calls.push({ id: event.id, name: event.name, arguments: "" })
        break
      case "arguments": {
        const call = calls[event.position]
        if (call === undefined) throw new Error(`arguments for position ${event.position} before its start`)
        calls[event.position] = { ...call, arguments: call.arguments + event.text }
        break
      }
      default: {
        const unknown: never = event
        throw new Error(`unknown event ${JSON.stringify(unknown)}`)
      }
    }
  }
  return calls
}

function callsOf(fragments: readonly ToolCallFragment[], limits?: StreamLimits): JoinedCall[] {
  const folded = fold(fragments, limits)
  if ("detail" in folded) throw new Error(`refused: ${folded.detail}`)
  return joined(folded.events)
}

function refusalOf(fragments: readonly ToolCallFragment[], limits?: StreamLimits): string | undefined {
  const folded = fold(fragments, limits)
  return "detail" in folded ? folded.detail : undefined
}

/** Cuts the text at the given offsets (any order, repeats allowed): pieces that join back to it. */
function split(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b)
  return [0, ...at].map((start, i) => text.slice(start, at[i] ?? text.length)).filter((piece, i) => piece !== "" || i === 0)
}

describe("the tool-call accumulator", () => {
  it("joins OpenAI's streamed deltas: id and name first, then the arguments in pieces", () => {
    // OpenAI's function-calling guide, "Streaming": the first delta carries index, id, type
    // and function.name with arguments "", the next ones only index and function.arguments.
    const calls = callsOf([
      { index: 0, id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: "" },
      { index: 0, arguments: '{"' },
      { index: 0, arguments: "location" },
      { index: 0, arguments: '":"' },
      { index: 0, arguments: "Paris, France" },
      { index: 0, arguments: '"}' },
    ])
    expect(calls).toEqual([{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: '{"location":"Paris, France"}' }])
  })

  it("keeps calls apart by index when their deltas interleave, in order of starting", () => {
    const calls = callsOf([
      { index: 1, id: "call_b", name: "get_time", arguments: '{"tz":' },
      { index: 0, id: "call_a", name: "get_weather", arguments: '{"city":' },
      { index: 1, arguments: '"CET"}' },
      { index: 0, arguments: '"Paris"}' },
    ])
    expect(calls).toEqual([
      { id: "call_b", name: "get_time", arguments: '{"tz":"CET"}' },
      { id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
    ])
  })

  it("without an index, starts a new call at a new id and continues the last one otherwise", () => {
    // Some OpenAI-compatible servers (older vLLM, LiteLLM proxies) send no index.
    const calls = callsOf([{ id: "call_1", name: "a", arguments: "{" }, { arguments: "}" }, { id: "call_2", name: "b", arguments: "[" }, { id: "call_2", arguments: "]" }])
    expect(calls).toEqual([
      { id: "call_1", name: "a", arguments: "{}" },
      { id: "call_2", name: "b", arguments: "[]" },
    ])
  })

  it("without an index or ids, starts a new call at a new name", () => {
    // Gemini's functionCall parts carry a name and whole args, no id.
    const folded = fold([
      { name: "a", arguments: "{}" },
      { name: "b", arguments: "{}" },
    ])
    if ("detail" in folded) throw new Error(folded.detail)
    expect(joined(folded.events)).toEqual([
      { id: "call_0", name: "a", arguments: "{}" },
      { id: "call_1", name: "b", arguments: "{}" },
    ])
    expect(folded.standInIds).toBe(2)
  })

  it("takes an empty id or name for none, and the first real one for good", () => {
    const calls = callsOf([
      { index: 0, id: "", name: "", arguments: "{" },
      { index: 0, id: "call_x", arguments: "" },
      { index: 0, id: "call_y", name: "lookup", arguments: "}" },
      { index: 0, name: "other" },
    ])
    expect(calls).toEqual([{ id: "call_x", name: "lookup", arguments: "{}" }])
  })

  it("holds arguments until a call has a name and an id, and announces it then", () => {
    let accumulator = initialToolCallAccumulator(streamLimits)
    const first = addToolCallFragment(accumulator, { index: 0, name: "lookup", arguments: '{"q":' })
    if (!first.ok) throw new Error(first.detail)
    expect(first.events).toEqual([])
    expect(hasToolCalls(first.accumulator)).toBe(true)
    expect(toolCallPosition(first.accumulator, 0)).toBeUndefined()
    accumulator = first.accumulator
    const second = addToolCallFragment(accumulator, { index: 0, id: "call_q", arguments: '"x"}' })
    if (!second.ok) throw new Error(second.detail)
    expect(second.events).toEqual([
      { type: "start", position: 0, id: "call_q", name: "lookup" },
      { type: "arguments", position: 0, text: '{"q":"x"}' },
    ])
    expect(toolCallPosition(second.accumulator, 0)).toBe(0)
  })

  it("gives a call that never got an id call_<position> at the finish, and counts the repair", () => {
    const folded = fold([
      { index: 0, id: "call_a", name: "a", arguments: "{}" },
      { index: 1, name: "b", arguments: "{}" },
    ])
    if ("detail" in folded) throw new Error(folded.detail)
    expect(joined(folded.events)).toEqual([
      { id: "call_a", name: "a", arguments: "{}" },
      { id: "call_1", name: "b", arguments: "{}" },
    ])
    expect(folded.standInIds).toBe(1)
  })

  it("refuses at the finish a call that never got a name", () => {
    expect(refusalOf([{ index: 0, id: "call_a", arguments: "{}" }])).toBe("a tool call never received a function name")
  })

  it("has no tool calls before any fragment", () => {
    expect(hasToolCalls(initialToolCallAccumulator(streamLimits))).toBe(false)
    const folded = fold([])
    expect("detail" in folded ? folded.detail : folded.events).toEqual([])
  })

  describe("bounds", () => {
    const small: StreamLimits = { maxToolCalls: 2, maxArgumentCharsPerCall: 10, maxArgumentCharsPerStream: 15 }

    it("refuses one call more than maxToolCalls", () => {
      const three = [0, 1, 2].map((index) => ({ index, id: `call_${index}`, name: "f" }))
      expect(refusalOf(three.slice(0, 2), small)).toBeUndefined()
      expect(refusalOf(three, small)).toBe("more than 2 tool calls")
    })

    it("refuses a call's arguments past maxArgumentCharsPerCall, counting what is held", () => {
      expect(
        refusalOf(
          [
            { index: 0, name: "f", arguments: "12345" },
            { index: 0, id: "call_0", arguments: "67890" },
          ],
          small,
        ),
      ).toBeUndefined()
      expect(
        refusalOf(
          [
            { index: 0, name: "f", arguments: "12345" },
            { index: 0, arguments: "678901" },
          ],
          small,
        ),
      ).toBe("tool call arguments exceed the per-call limit")
    })

    it("refuses the stream's arguments past maxArgumentCharsPerStream", () => {
      const fragments = [
        { index: 0, id: "call_0", name: "f", arguments: "1234567890" },
        { index: 1, id: "call_1", name: "g", arguments: "123456" },
      ]
      expect(refusalOf(fragments, small)).toBe("tool call arguments exceed the per-stream limit")
    })

    it("keeps the accumulator's count of characters to what it accepted (property)", () => {
      fc.assert(
        fc.property(fc.array(fc.record({ index: fc.integer({ min: 0, max: 3 }), arguments: fc.string({ maxLength: 8 }) }), { maxLength: 20 }), (pieces) => {
          let accumulator = initialToolCallAccumulator(small)
          for (const piece of pieces) {
            const step = addToolCallFragment(accumulator, { ...piece, id: `call_${piece.index}`, name: "f" })
            if (!step.ok) break
            accumulator = step.accumulator
          }
          expect(accumulator.slots.length).toBeLessThanOrEqual(small.maxToolCalls)
          expect(accumulator.chars).toBeLessThanOrEqual(small.maxArgumentCharsPerStream)
          for (const slot of accumulator.slots) expect(slot.chars).toBeLessThanOrEqual(small.maxArgumentCharsPerCall)
        }),
      )
    })
  })

  describe("properties", () => {
    const text = fc.string({ maxLength: 60 })
    const cuts = fc.array(fc.nat(), { maxLength: 12 })

    it("accumulates any split of a call's argument text into deltas to the same call", () => {
      fc.assert(
        fc.property(text, cuts, fc.boolean(), (args, at, withIndex) => {
          const [head = "", ...rest] = split(args, at)
          const index = withIndex ? { index: 0 } : {}
          const calls = callsOf([{ ...index, id: "call_0", name: "f", arguments: head }, ...rest.map((piece) => ({ ...index, arguments: piece }))])
          expect(calls).toEqual([{ id: "call_0", name: "f", arguments: args }])
        }),
      )
    })

    it("keeps interleaved calls whole whatever the order of their deltas", () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(text, cuts), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 80 }), (specs, order) => {
          // Each call's first delta names it; the rest of every call's pieces are dealt out in a random interleaving.
          const queues = specs.map(([args, at], index) => split(args, at).map((piece, i): ToolCallFragment => (i === 0 ? { index, id: `call_${index}`, name: `f${index}`, arguments: piece } : { index, arguments: piece })))
          const fragments: ToolCallFragment[] = queues.map((queue) => queue.shift()).filter((first) => first !== undefined)
          let pick = 0
          while (queues.some((queue) => queue.length > 0)) {
            const open = queues.filter((queue) => queue.length > 0)
            const queue = open[(order[pick] ?? 0) % open.length]
            pick += 1
            const next = queue?.shift()
            if (next !== undefined) fragments.push(next)
          }
          expect(callsOf(fragments)).toEqual(specs.map(([args], index) => ({ id: `call_${index}`, name: `f${index}`, arguments: args })))
        }),
      )
    })
  })
})
