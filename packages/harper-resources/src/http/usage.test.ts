import { describe, expect, it } from "vitest"
import type { UsageBucket } from "../accounting/aggregate-usage.ts"
import type { AggregateGate } from "../accounting/aggregate-gate.ts"
import type { Gateway } from "./gateway.ts"
import type { HarperRequest } from "./harper-request.ts"
import { usage, type UsageReader } from "./usage.ts"

const root = { username: "root", role: { permission: { super_user: true } } }
const gateway: Pick<Gateway, "auth" | "headerHooks" | "logError"> = {
  auth: { settings: { roles: new Set(), tenantAttribute: "tenant" }, deps: { findKey: async () => undefined, findUser: async () => undefined } },
  headerHooks: [],
  logError: () => undefined,
}
const request = (url: string): HarperRequest & { url: string } => ({ method: "GET", pathname: "/v1/gateway/usage", url, headers: { get: () => undefined, set: () => undefined, delete: () => undefined }, user: root })
const bucket: UsageBucket = { group: "m", calls: 1, errors: 0, prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, cost_usd: 0 }

/** A gate with `room` places in all, counting what it holds. */
function gate(room: number): AggregateGate & { held: () => number; asked: string[] } {
  let held = 0
  const asked: string[] = []
  return {
    asked,
    held: () => held,
    enter(tenant) {
      asked.push(tenant)
      if (held >= room) return undefined
      held++
      return () => void held--
    },
  }
}

describe("GET /v1/gateway/usage aggregates", () => {
  it("answers 429 with retry-after when the gate is full, and reads nothing", async () => {
    let reads = 0
    const reader: UsageReader = { rows: async () => [], aggregate: async () => (reads++, [bucket]) }
    const full = gate(0)
    const response = await usage(gateway, request("/v1/gateway/usage?group_by=model"), { reader, gate: full, now: () => 1_800_000_000_000 })
    expect(response.status).toBe(429)
    expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(String(response.body)).error.code).toBe("rate_limit_exceeded")
    expect(reads).toBe(0)
    expect(full.asked).toEqual(["root"])
  })
  it("holds a place while the aggregate runs and frees it after, when the read fails too", async () => {
    const open = gate(1)
    let during = -1
    const reader: UsageReader = { rows: async () => [], aggregate: async () => ((during = open.held()), [bucket]) }
    expect((await usage(gateway, request("/v1/gateway/usage?group_by=day"), { reader, gate: open })).status).toBe(200)
    expect(during).toBe(1)
    expect(open.held()).toBe(0)
    const failing: UsageReader = { rows: async () => [], aggregate: async () => Promise.reject(new Error("disk")) }
    expect((await usage(gateway, request("/v1/gateway/usage?group_by=day"), { reader: failing, gate: open })).status).toBe(500)
    expect(open.held()).toBe(0)
  })
  it("does not gate the row listing (bounded by its limit, read by index)", async () => {
    const full = gate(0)
    const reader: UsageReader = { rows: async () => [{ id: "r" }], aggregate: async () => [bucket] }
    expect((await usage(gateway, request("/v1/gateway/usage?limit=5"), { reader, gate: full })).status).toBe(200)
  })
})
