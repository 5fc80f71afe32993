import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { createGroupCommit, type GroupDeadline } from "./group-commit.ts"

/** A group commit over an array of writes, each write the items it got (or a throw while `failing`). */
function recording() {
  const writes: string[][] = []
  const state = { failing: false }
  const group = createGroupCommit<string>((items) => {
    if (state.failing) throw new Error("disk full")
    writes.push([...items])
  })
  return { group, writes, state }
}

const nextLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("the group commit", () => {
  it("writes items added in one loop turn in ONE write, and resolves each only after it", async () => {
    const { group, writes } = recording()
    const resolvedAt: number[] = []
    const a = group.add("a", "end-of-loop-turn").then(() => resolvedAt.push(writes.length))
    // A second caller a continuation later: a microtask write would already have taken "a" alone.
    const b = Promise.resolve().then(() => group.add("b", "end-of-loop-turn").then(() => resolvedAt.push(writes.length)))
    await Promise.resolve()
    await Promise.resolve()
    expect(writes).toEqual([]) // nothing is written while the turn goes on
    await Promise.all([a, b])
    expect(writes).toEqual([["a", "b"]])
    expect(resolvedAt).toEqual([1, 1])
  })

  it("writes a before-continuations item before the code that added it goes on, with the group queued so far", async () => {
    const { group, writes } = recording()
    void group.add("started", "end-of-loop-turn")
    void group.add("final", "before-continuations")
    await Promise.resolve() // the first continuation after the add
    expect(writes).toEqual([["started", "final"]])
    await nextLoopTurn()
    expect(writes).toEqual([["started", "final"]]) // the turn's own write found nothing left
  })

  it("rejects every waiter of a write that throws, with its error; the next group is written again", async () => {
    const { group, writes, state } = recording()
    state.failing = true
    const outcomes = await Promise.allSettled([group.add("a", "end-of-loop-turn"), group.add("b", "end-of-loop-turn")])
    expect(outcomes.map((o) => (o.status === "rejected" && o.reason instanceof Error ? o.reason.message : o.status))).toEqual(["disk full", "disk full"])
    state.failing = false
    await group.add("c", "end-of-loop-turn")
    expect(writes).toEqual([["c"]])
  })

  it("leaves no unhandled rejection when nobody awaits a failed write", async () => {
    const { group, state } = recording()
    state.failing = true
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on("unhandledRejection", onUnhandled)
    try {
      void group.add("final row", "before-continuations")
      await nextLoopTurn()
      await nextLoopTurn()
      expect(unhandled).toEqual([])
    } finally {
      process.off("unhandledRejection", onUnhandled)
    }
  })

  it("drain writes what is queued at once, and nothing when nothing is", () => {
    const { group, writes } = recording()
    group.drain()
    void group.add("a", "end-of-loop-turn")
    group.drain()
    expect(writes).toEqual([["a"]])
  })

  it("writes every item exactly once, in the order added, whatever the deadlines and drains", async () => {
    const step = fc.oneof(fc.constantFrom<GroupDeadline>("end-of-loop-turn", "before-continuations"), fc.constant("drain" as const), fc.constant("await" as const))
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const { group, writes } = recording()
        const added: string[] = []
        const waiting: Promise<void>[] = []
        for (const [i, s] of steps.entries()) {
          if (s === "drain") group.drain()
          else if (s === "await") await Promise.resolve()
          else {
            added.push(`item-${i}`)
            waiting.push(group.add(`item-${i}`, s))
          }
        }
        await Promise.all(waiting)
        expect(writes.flat()).toEqual(added)
        expect(writes.every((write) => write.length > 0)).toBe(true)
      }),
    )
  })
})
