import type { Message, ThinkingBlock } from "@harper-gateway/translate"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createThinkingBlockStore, type ThinkingBlockStoreOptions } from "./thinking-block-store.ts"

const block = (text: string): ThinkingBlock => ({ type: "thinking", thinking: text, signature: `sig-${text}` })
const clock = () => {
  let now = 1_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}
const store = (overrides: Partial<ThinkingBlockStoreOptions> = {}) => {
  const time = clock()
  return { time, store: createThinkingBlockStore({ maxEntries: 10, maxChars: 10_000, ttlMs: 60_000, now: time.now, ...overrides }) }
}
/** The conversation an unmodified client sends back: the assistant tool-call turn without its blocks, then the result. */
const followUp = (calls: readonly { id: string; name: string }[]): Message[] => [
  { role: "user", content: "weather in Paris and London?" },
  { role: "assistant", content: null, toolCalls: calls.map((call) => ({ ...call, arguments: "{}" })) },
  ...calls.map((call): Message => ({ role: "tool", toolCallId: call.id, content: "sunny" })),
]

describe("the thinking-block store", () => {
  it("gives the turn that called the tools its blocks back, and leaves every other message alone", () => {
    const { store: s } = store()
    const calls = [
      { id: "toolu_a", name: "weather" },
      { id: "toolu_b", name: "weather" },
    ]
    s.remember(calls, [block("think")])
    const restored = s.restore(followUp(calls))
    expect(restored[1]).toMatchObject({ role: "assistant", thinkingBlocks: [block("think")] })
    expect(restored.filter((_, i) => i !== 1)).toEqual(followUp(calls).filter((_, i) => i !== 1))
  })

  it("never replaces blocks the client sent, and gives nothing to a different set of calls under the same id", () => {
    const { store: s } = store()
    s.remember([{ id: "toolu_a", name: "weather" }], [block("stored")])
    const own: Message[] = [{ role: "assistant", content: null, toolCalls: [{ id: "toolu_a", name: "weather", arguments: "{}" }], thinkingBlocks: [block("client")] }]
    expect(s.restore(own)).toEqual(own)
    expect(s.restore(followUp([{ id: "toolu_a", name: "other_tool" }]))[1]).not.toHaveProperty("thinkingBlocks")
    expect(
      s.restore(
        followUp([
          { id: "toolu_a", name: "weather" },
          { id: "toolu_x", name: "weather" },
        ]),
      )[1],
    ).not.toHaveProperty("thinkingBlocks")
  })

  it("forgets an answer after its TTL, and a recall renews it", () => {
    const { store: s, time } = store({ ttlMs: 1_000 })
    const calls = [{ id: "toolu_a", name: "weather" }]
    s.remember(calls, [block("think")])
    time.advance(900)
    expect(s.restore(followUp(calls))[1]).toHaveProperty("thinkingBlocks")
    time.advance(900)
    expect(s.restore(followUp(calls))[1]).toHaveProperty("thinkingBlocks")
    time.advance(1_000)
    expect(s.restore(followUp(calls))[1]).not.toHaveProperty("thinkingBlocks")
    expect(s.size()).toBe(0)
  })

  it("evicts the least recently used beyond its entry and character bounds, and never keeps one answer larger than the whole", () => {
    const { store: s } = store({ maxEntries: 2, maxChars: 100 })
    s.remember([{ id: "a", name: "t" }], [block("1")])
    s.remember([{ id: "b", name: "t" }], [block("2")])
    s.restore(followUp([{ id: "a", name: "t" }])) // a is now the most recent
    s.remember([{ id: "c", name: "t" }], [block("3")])
    expect(s.restore(followUp([{ id: "b", name: "t" }]))[1]).not.toHaveProperty("thinkingBlocks")
    expect(s.restore(followUp([{ id: "a", name: "t" }]))[1]).toHaveProperty("thinkingBlocks")
    s.remember([{ id: "huge", name: "t" }], [block("x".repeat(200))])
    expect(s.size()).toBe(2)
    // 46 + the signature's 50 characters: only room for itself
    s.remember([{ id: "big", name: "t" }], [block("y".repeat(46))])
    expect(s.size()).toBe(1)
  })

  it("stays within its bounds whatever is remembered (property)", () => {
    const answer = fc.record({ id: fc.constantFrom("a", "b", "c", "d", "e", "f", "g"), chars: fc.nat(60) })
    fc.assert(
      fc.property(fc.array(answer, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (answers, maxEntries) => {
        const { store: s } = store({ maxEntries, maxChars: 150 })
        for (const { id, chars } of answers) s.remember([{ id, name: "t" }], [{ type: "redacted_thinking", data: "z".repeat(chars) }])
        expect(s.size()).toBeLessThanOrEqual(maxEntries)
        const held = ["a", "b", "c", "d", "e", "f", "g"].flatMap((id) => {
          const turn = s.restore(followUp([{ id, name: "t" }]))[1]
          return turn?.role === "assistant" ? (turn.thinkingBlocks ?? []) : []
        })
        const chars = held.reduce((sum, b) => sum + (b.type === "redacted_thinking" ? b.data.length : 0), 0)
        expect(chars).toBeLessThanOrEqual(150)
        // The last answer always survives: it fits the bounds on its own.
        const last = answers.at(-1)
        if (last !== undefined) expect(s.restore(followUp([{ id: last.id, name: "t" }]))[1]).toMatchObject({ thinkingBlocks: [{ type: "redacted_thinking", data: "z".repeat(last.chars) }] })
      }),
    )
  })
})
