import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { toOpenAIError } from "../errors/to-openai-error.ts"
import type { ResponseItem } from "../wire/responses-request.ts"
import { truncateConversation, type TruncationBudget } from "./truncate-conversation.ts"

const user = (text: string): ResponseItem => ({ type: "message", role: "user", content: text })
const assistant = (text: string): ResponseItem => ({ type: "message", role: "assistant", content: text })
const system = (text: string): ResponseItem => ({ type: "message", role: "system", content: text })
const developer = (text: string): ResponseItem => ({ role: "developer", content: text })
const call = (id: string, args = "{}"): ResponseItem => ({ type: "function_call", call_id: id, name: "f", arguments: args })
const output = (id: string, text = "ok"): ResponseItem => ({ type: "function_call_output", call_id: id, output: text })
const reasoning = (text: string): ResponseItem => ({ type: "reasoning", summary: [{ type: "summary_text", text }] })

/** A token counter independent of the rule: one token per character of the item's text. */
function textLength(item: ResponseItem): number {
  switch (item.type) {
    case undefined:
    case "message":
      return typeof item.content === "string" ? item.content.length : item.content.length
    case "function_call":
      return item.arguments.length
    case "function_call_output":
      return typeof item.output === "string" ? item.output.length : item.output.length
    case "reasoning":
      return item.summary.reduce((sum, part) => sum + part.text.length, 0)
    default: {
      const unreachable: never = item
      return unreachable
    }
  }
}

const truncate = (items: readonly ResponseItem[], budget: TruncationBudget, fixedTokens = 0) => truncateConversation({ items, fixedTokens, count: textLength }, budget)

describe("truncateConversation (truncation: auto)", () => {
  it("leaves a conversation that fits as it is", () => {
    const items = [user("aaaa"), assistant("bbbb"), user("cccc")]
    expect(truncate(items, { contextWindow: 12, reservedOutput: 0 })).toEqual({ ok: true, value: items })
  })

  it("drops whole turns from the beginning, oldest first, until the rest fits with the output reserved", () => {
    const items = [user("aaaa"), assistant("bbbb"), user("cccc"), assistant("dddd"), user("eeee")]
    // 20 tokens; 12 fit once 4 are kept for the answer: the first turn goes.
    expect(truncate(items, { contextWindow: 16, reservedOutput: 4 })).toEqual({ ok: true, value: items.slice(2) })
    expect(truncate(items, { contextWindow: 11, reservedOutput: 4 })).toEqual({ ok: true, value: items.slice(4) })
  })

  it("counts what is always sent (instructions, tools) against the window", () => {
    const items = [user("aaaa"), assistant("bbbb"), user("cccc")]
    expect(truncate(items, { contextWindow: 12, reservedOutput: 0 }, 1)).toEqual({ ok: true, value: items.slice(2) })
  })

  it("keeps system and developer messages wherever they are, and drops what is around them", () => {
    const items = [system("S"), user("aaaa"), developer("D"), assistant("bbbb"), user("cccc")]
    expect(truncate(items, { contextWindow: 6, reservedOutput: 0 })).toEqual({ ok: true, value: [system("S"), developer("D"), user("cccc")] })
  })

  it("never keeps a function_call_output without its function_call: the turn holding both goes or stays whole", () => {
    // The call's output came after the user spoke again: no cut between them.
    const items = [user("aaaa"), call("c1"), user("bb"), output("c1", "xx"), assistant("yy"), user("cccc")]
    expect(truncate(items, { contextWindow: 12, reservedOutput: 0 })).toEqual({ ok: true, value: items.slice(5) })
    // Cutting at "bb" would fit 14 tokens (10), but would send output c1 without its call.
    expect(truncate(items, { contextWindow: 14, reservedOutput: 0 })).toEqual({ ok: true, value: items.slice(5) })
    expect(truncate(items, { contextWindow: 16, reservedOutput: 0 })).toEqual({ ok: true, value: items })
  })

  it("keeps the newest user message and everything after it (an agent's pending tool results)", () => {
    const items = [user("aaaa"), assistant("bbbb"), user("cc"), reasoning("think"), call("c1", "{}"), output("c1", "result")]
    expect(truncate(items, { contextWindow: 10, reservedOutput: 0 })).toEqual({ ok: true, value: items.slice(2) })
  })

  it("counts reasoning items as nothing: they are not sent upstream (build-conversation drops them)", () => {
    const items = [user("aaaa"), reasoning("a very long chain of thought"), assistant("bb"), user("cc")]
    expect(truncate(items, { contextWindow: 8, reservedOutput: 0 })).toEqual({ ok: true, value: items })
  })

  it("refuses, as disabled would, a conversation whose newest turn alone does not fit: a 400 context_length_exceeded naming input", () => {
    const items = [user("aaaa"), assistant("bbbb"), system("S"), user("cccccc")]
    const outcome = truncate(items, { contextWindow: 10, reservedOutput: 4 })
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.error._tag).toBe("ContextLengthExceeded")
    const answer = toOpenAIError(outcome.error)
    expect(answer.status).toBe(400)
    expect(answer.body.error).toMatchObject({ type: "invalid_request_error", code: "context_length_exceeded", param: "input" })
    expect(answer.body.error.message).toContain("10")
  })

  it("refuses when the reserved output alone is over the window, and never returns an empty conversation", () => {
    expect(truncate([user("a")], { contextWindow: 4, reservedOutput: 5 }).ok).toBe(false)
    expect(truncate([], { contextWindow: 4, reservedOutput: 5 }).ok).toBe(false)
  })
})

// Properties over generated conversations: turns of a user message, then perhaps reasoning,
// an assistant message, tool calls whose outputs come at once or after the next user message;
// system and developer messages anywhere.
interface Turn {
  readonly user: string
  readonly pinned: { readonly role: "system" | "developer"; readonly text: string } | null
  readonly reasoning: string | null
  readonly answer: string | null
  readonly calls: readonly { readonly args: string; readonly output: string; readonly late: boolean }[]
}
const text = fc.string({ minLength: 0, maxLength: 12 })
const turnArb: fc.Arbitrary<Turn> = fc.record({
  user: text,
  pinned: fc.option(fc.record({ role: fc.constantFrom("system" as const, "developer" as const), text })),
  reasoning: fc.option(text),
  answer: fc.option(text),
  calls: fc.array(fc.record({ args: text, output: text, late: fc.boolean() }), { maxLength: 3 }),
})

function conversationOf(turns: readonly Turn[]): ResponseItem[] {
  const items: ResponseItem[] = []
  let late: ResponseItem[] = []
  for (const [t, turn] of turns.entries()) {
    if (turn.pinned !== null) items.push({ role: turn.pinned.role, content: turn.pinned.text })
    items.push(user(turn.user), ...late)
    late = []
    if (turn.reasoning !== null) items.push(reasoning(turn.reasoning))
    if (turn.answer !== null) items.push(assistant(turn.answer))
    for (const [c, each] of turn.calls.entries()) items.push(call(`c${t}_${c}`, each.args))
    for (const [c, each] of turn.calls.entries()) (each.late ? late : items).push(output(`c${t}_${c}`, each.output))
  }
  items.push(...late)
  return items
}

const isPinned = (item: ResponseItem) => (item.type === undefined || item.type === "message") && (item.role === "system" || item.role === "developer")
const isUser = (item: ResponseItem) => (item.type === undefined || item.type === "message") && item.role === "user"
const callIdOf = (item: ResponseItem) => (item.type === "function_call" || item.type === "function_call_output" ? item.call_id : undefined)
const sentTokens = (items: readonly ResponseItem[]) => items.reduce((sum, item) => sum + (item.type === "reasoning" ? 0 : textLength(item)), 0)
/** Items kept when everything before index k that may be dropped is dropped. */
const keptFrom = (items: readonly ResponseItem[], k: number) => items.filter((item, i) => i >= k || isPinned(item))
/** True when a cut at k keeps only one item of some call_id's pair. */
function splitsAPair(items: readonly ResponseItem[], k: number): boolean {
  const before = new Set(items.slice(0, k).map(callIdOf))
  return items.slice(k).some((item) => callIdOf(item) !== undefined && before.has(callIdOf(item)))
}
/** Where a cut may fall: at a user message, not right after a reasoning item, parting no pair. */
const isCutPoint = (items: readonly ResponseItem[], j: number) => isUser(items[j] ?? assistant("")) && items[j - 1]?.type !== "reasoning" && !splitsAPair(items, j)
const isSubsequence = (sub: readonly ResponseItem[], all: readonly ResponseItem[]) => {
  let i = 0
  for (const item of all) if (i < sub.length && sub[i] === item) i++
  return i === sub.length
}

const caseArb = fc.record({
  turns: fc.array(turnArb, { minLength: 1, maxLength: 8 }),
  contextWindow: fc.integer({ min: 0, max: 200 }),
  reservedOutput: fc.integer({ min: 0, max: 30 }),
  fixedTokens: fc.integer({ min: 0, max: 20 }),
})

describe("truncateConversation: laws (properties)", () => {
  it("fits whenever the minimal conversation does, keeps order, system and developer messages, the newest user message and every call with its output", () => {
    fc.assert(
      fc.property(caseArb, ({ turns, contextWindow, reservedOutput, fixedTokens }) => {
        const items = conversationOf(turns)
        const budget = { contextWindow, reservedOutput }
        const outcome = truncate(items, budget, fixedTokens)
        const available = contextWindow - reservedOutput - fixedTokens
        const lastUser = items.findLastIndex(isUser)
        // The latest cut at or before the newest user message that parts no call from its output.
        let minimalCut = lastUser
        while (minimalCut > 0 && !isCutPoint(items, minimalCut)) minimalCut--
        const minimal = keptFrom(items, minimalCut)
        expect(outcome.ok).toBe(sentTokens(minimal) <= available)
        if (!outcome.ok) return
        const kept = outcome.value
        expect(sentTokens(kept)).toBeLessThanOrEqual(available)
        expect(isSubsequence(kept, items)).toBe(true)
        for (const item of items) if (isPinned(item)) expect(kept).toContain(item)
        for (const item of items.slice(lastUser)) expect(kept).toContain(item)
        const ids = (list: readonly ResponseItem[], type: string) => new Set(list.filter((item) => item.type === type).map(callIdOf))
        expect(ids(kept, "function_call")).toEqual(ids(kept, "function_call_output"))
      }),
      { numRuns: 300 },
    )
  })

  it("drops as little as it can: the kept part is what a cut leaves, the conversation starts at a user message, and no earlier cut at one would fit", () => {
    fc.assert(
      fc.property(caseArb, ({ turns, contextWindow, reservedOutput, fixedTokens }) => {
        const items = conversationOf(turns)
        const outcome = truncate(items, { contextWindow, reservedOutput }, fixedTokens)
        if (!outcome.ok) return
        const available = contextWindow - reservedOutput - fixedTokens
        const kept = outcome.value
        const firstKept = items.findIndex((item) => !isPinned(item) && kept.includes(item))
        expect(kept).toEqual(keptFrom(items, firstKept))
        if (firstKept === 0) return
        expect(isUser(items[firstKept] ?? assistant(""))).toBe(true)
        for (let j = 0; j < firstKept; j++) {
          const cutAtUserTurn = isCutPoint(items, j)
          // A cut that only passes system or developer messages keeps the same items.
          const longer = keptFrom(items, j).length > kept.length
          if (longer && (j === 0 || cutAtUserTurn)) expect(sentTokens(keptFrom(items, j))).toBeGreaterThan(available)
        }
      }),
      { numRuns: 300 },
    )
  })

  it("is idempotent: truncating what it kept keeps it all", () => {
    fc.assert(
      fc.property(caseArb, ({ turns, contextWindow, reservedOutput, fixedTokens }) => {
        const budget = { contextWindow, reservedOutput }
        const once = truncate(conversationOf(turns), budget, fixedTokens)
        if (!once.ok) return
        expect(truncate(once.value, budget, fixedTokens)).toEqual(once)
      }),
      { numRuns: 300 },
    )
  })
})
