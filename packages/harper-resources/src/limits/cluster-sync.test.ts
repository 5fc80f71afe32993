import { GatewayFailure } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { createClusterSync } from "./cluster-sync.ts"
import type { LimitRule } from "./limit-rule.ts"
import { createLimiter, SLOT_COUNT } from "./limiter.ts"
import { peerUsageId, type PeerUsage } from "./peer-usage.ts"

const rule = (partial: Partial<LimitRule>): LimitRule => ({
  id: "key:k1",
  tenant: null,
  keyId: "k1",
  model: null,
  requests: null,
  tokens: null,
  windowMs: 60_000,
  concurrent: null,
  budgetUsd: null,
  budgetPeriod: "day",
  budgetResetAt: null,
  ...partial,
})
const caller = { tenant: "acme", keyId: "k1" }
const DAY = 86_400_000

/**
 * Node "a" as one process (its limiter and its sync, on one set of shared counters) in a
 * cluster whose table is a plain map: records of other nodes are put there by the test,
 * as replication would.
 */
function nodeA(rules: LimitRule[], tableSpend = 0) {
  let now = 10 * DAY + 5_000
  const buffers = new Map<string, BigInt64Array>()
  const table = new Map<string, PeerUsage>()
  const published: PeerUsage[] = []
  const counters = (id: string) => {
    let slots = buffers.get(id)
    if (slots === undefined) buffers.set(id, (slots = new BigInt64Array(new SharedArrayBuffer(SLOT_COUNT * 8))))
    return slots
  }
  const limiter = createLimiter({
    rules: async () => rules,
    counters,
    spentSince: async () => tableSpend,
    node: "a",
    published: async (ruleId) => [...table.values()].filter((record) => record.ruleId === ruleId),
    now: () => now,
  })
  const sync = createClusterSync({
    node: "a",
    rules: async () => rules,
    counters,
    readAll: async () => [...table.values()],
    publish: async (record) => {
      published.push(record)
      table.set(record.id, record)
    },
    now: () => now,
  })
  const peer = (node: string, ruleId: string, fields: Partial<PeerUsage>) =>
    table.set(peerUsageId(node, ruleId), { id: peerUsageId(node, ruleId), node, ruleId, windowStart: Math.floor(now / 60_000) * 60_000, windowMs: 60_000, requests: 0, tokens: 0, periodStart: null, spendUsd: 0, updated: now, ...fields })
  return { limiter, sync, table, published, peer, advance: (ms: number) => (now += ms), now: () => now }
}

const tagOf = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    return GatewayFailure.reasonOf(error)?._tag
  }
  return "admitted"
}

async function admitted(limiter: ReturnType<typeof nodeA>["limiter"], tries: number): Promise<number> {
  let count = 0
  for (let i = 0; i < tries; i++) if ((await tagOf(limiter.admit(caller, "m", () => 10))) === "admitted") count++
  return count
}

describe("cluster-wide limits", () => {
  it("admits only what the other nodes' published counts for the window leave of the limit", async () => {
    const node = nodeA([rule({ requests: 10, tokens: 100 })])
    node.peer("b", "key:k1", { requests: 4, tokens: 30 })
    node.peer("c", "key:k1", { requests: 3, tokens: 10 })
    await node.sync()
    const first = await node.limiter.admit(caller, "m", () => 10)
    expect(first.headers["x-ratelimit-remaining-requests"]).toBe("2")
    expect(first.headers["x-ratelimit-remaining-tokens"]).toBe("50")
    expect(await admitted(node.limiter, 5)).toBe(2)
    expect(await node.limiter.peekHeaders(caller, null)).toMatchObject({ "x-ratelimit-remaining-requests": "0" })
  })

  it("does not count another node's counts of an earlier window: a node that stopped publishing ages out when its window ends", async () => {
    const node = nodeA([rule({ requests: 10 })])
    node.peer("b", "key:k1", { requests: 9 })
    node.peer("c", "key:k1", { requests: 5, windowStart: Math.floor(node.now() / 60_000) * 60_000 - 60_000 })
    await node.sync()
    expect(await admitted(node.limiter, 3)).toBe(1)
    node.advance(60_000) // b published nothing more: its 9 are of the window that ended
    await node.sync()
    expect(await admitted(node.limiter, 12)).toBe(10)
  })

  it("counts another node's window only while its length is the rule's (a changed rule's old counts do not apply)", async () => {
    const node = nodeA([rule({ requests: 10 })])
    node.peer("b", "key:k1", { requests: 9, windowMs: 1_000, windowStart: Math.floor(node.now() / 60_000) * 60_000 })
    await node.sync()
    expect(await admitted(node.limiter, 12)).toBe(10)
  })

  it("publishes this node's counts and spend only when they changed, and never counts its own record as another node's", async () => {
    const node = nodeA([rule({ requests: 10, budgetUsd: 5 })])
    const call = await node.limiter.admit(caller, "m", () => 10)
    call.settle(10, 0.25)
    await node.limiter.admit(caller, "m", () => 10)
    await node.sync()
    expect(node.published).toEqual([
      { id: "a|key:k1", node: "a", ruleId: "key:k1", windowStart: Math.floor(node.now() / 60_000) * 60_000, windowMs: 60_000, requests: 2, tokens: 0, periodStart: 10 * DAY, spendUsd: 0.25, updated: node.now() },
    ])
    await node.sync()
    expect(node.published.length).toBe(1)
    expect((await node.limiter.admit(caller, "m", () => 10)).headers["x-ratelimit-remaining-requests"]).toBe("7")
    node.advance(60_000) // a new window: nothing used in it, the record of the last one stands for 0
    await node.sync()
    expect(node.published.length).toBe(1)
  })

  it("publishes the tokens this node carries from an earlier window, so the other nodes hold it to the same limit", async () => {
    const { limiter, sync, published, advance } = nodeA([rule({ tokens: 1_000 })])
    ;(await limiter.admit(caller, "m", () => 10)).settle(2_500, null)
    advance(60_000)
    await sync()
    expect(published.at(-1)).toMatchObject({ tokens: 1_500 })
  })

  it("refuses a budget once the nodes' spend adds up to it: the table's sum at load, this node's calls, and the others' published spend since", async () => {
    // b had spent $0.6 before a loaded the budget: in the table (its rows replicated) and in its record.
    const node = nodeA([rule({ budgetUsd: 1 })], 0.6)
    node.peer("b", "key:k1", { periodStart: 10 * DAY, spendUsd: 0.6 })
    ;(await node.limiter.admit(caller, "m", () => 10)).settle(10, 0.3)
    expect(await tagOf(node.limiter.admit(caller, "m", () => 10))).toBe("admitted") // $0.9: not counted twice
    node.peer("b", "key:k1", { periodStart: 10 * DAY, spendUsd: 0.75 })
    expect(await tagOf(node.limiter.admit(caller, "m", () => 10))).toBe("admitted") // not yet synced
    await node.sync()
    expect(await tagOf(node.limiter.admit(caller, "m", () => 10))).toBe("QuotaExhausted")
  })

  it("keeps a node's spend across its restart from its own record, and ignores spend published for another period", async () => {
    // a spent $0.7 before it restarted (in the table and its record); c's $5 were spent yesterday.
    const node = nodeA([rule({ budgetUsd: 1 })], 0.7)
    node.peer("a", "key:k1", { periodStart: 10 * DAY, spendUsd: 0.7 })
    node.peer("c", "key:k1", { periodStart: 9 * DAY, spendUsd: 5 })
    ;(await node.limiter.admit(caller, "m", () => 10)).settle(10, 0.2)
    await node.sync()
    expect(node.published.at(-1)?.spendUsd).toBeCloseTo(0.9, 9)
    ;(await node.limiter.admit(caller, "m", () => 10)).settle(10, 0.1)
    expect(await tagOf(node.limiter.admit(caller, "m", () => 10))).toBe("QuotaExhausted")
  })

  it("keeps a stopped node's spend for the whole period (that money is spent), unlike its window counts", async () => {
    const node = nodeA([rule({ budgetUsd: 1, requests: 100 })], 0)
    await node.limiter.admit(caller, "m", () => 10)
    node.peer("b", "key:k1", { periodStart: 10 * DAY, spendUsd: 1, requests: 50 })
    await node.sync()
    node.advance(3_600_000)
    await node.sync()
    expect(await tagOf(node.limiter.admit(caller, "m", () => 10))).toBe("QuotaExhausted")
  })

  it("keeps concurrency per node: another node's calls in flight are not counted", async () => {
    const node = nodeA([rule({ concurrent: 1 })])
    node.peer("b", "key:k1", { requests: 5 })
    await node.sync()
    expect(node.published).toEqual([])
    expect(await admitted(node.limiter, 2)).toBe(1)
  })
})
