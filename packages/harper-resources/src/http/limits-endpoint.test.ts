import { describe, expect, it } from "vitest"
import type { HarperRequest } from "./harper-request.ts"
import { gatewayLimits, type LimitsDependencies } from "./limits-endpoint.ts"

const root = { username: "root", role: { permission: { super_user: true } } }

function request(method: string, url = "/gateway/limits"): HarperRequest & { url: string } {
  return { method, pathname: new URL(url, "http://x").pathname, url, headers: { get: (name: string) => (name === "content-type" ? "application/json" : undefined), set: () => undefined, delete: () => undefined }, user: root }
}

/** A gateway_limits table in memory, storing what Harper would (a non-finite Float becomes null). */
function memoryTable(): LimitsDependencies["table"] & { rows: Map<string, Record<string, unknown>> } {
  const rows = new Map<string, Record<string, unknown>>()
  return {
    rows,
    put(record: object) {
      const stored = Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === "number" && !Number.isFinite(v) ? null : v]))
      rows.set(String(Reflect.get(record, "id")), stored)
    },
    get: (id: string) => rows.get(id),
    async *search() {
      yield* [...rows.values()]
    },
    setTTLExpiration: () => undefined,
    delete: (id: string) => rows.delete(id),
  }
}

function deps(table = memoryTable()) {
  return { table, changed: () => undefined, logError: () => undefined }
}

async function post(d: ReturnType<typeof deps>, body: unknown, path = "") {
  const response = await gatewayLimits(request("POST"), path, JSON.parse(JSON.stringify(body)), d)
  return { status: response.status, body: JSON.parse(String(response.body)) as Record<string, unknown> & { error?: { param: string | null; code: string | null } } }
}

async function get(d: ReturnType<typeof deps>, url: string) {
  const response = await gatewayLimits(request("GET", url), "", undefined, d)
  return { status: response.status, body: JSON.parse(String(response.body)) as { data: { id: string }[]; has_more: boolean; last_id: string | null; error?: { param: string | null } } }
}

describe("POST /gateway/limits refuses what it cannot store faithfully", () => {
  it("refuses a budget of 1e400 (Infinity once parsed) instead of storing null and removing the budget", async () => {
    const d = deps()
    expect((await post(d, { tenant: "mx", budgetUsd: 10 })).status).toBe(201)
    const response = await gatewayLimits(request("POST"), "", JSON.parse('{"tenant":"mx","budgetUsd":1e400}'), d)
    expect(response.status).toBe(400)
    expect(JSON.parse(String(response.body)).error.param).toBe("budgetUsd")
    expect(d.table.rows.get("tenant:mx")?.["budgetUsd"]).toBe(10)
  })
  it("names the field of a name that is too long, holds a NUL or a lone surrogate", async () => {
    const d = deps()
    for (const [field, value] of [
      ["tenant", "t".repeat(1_000_000)],
      ["tenant", "mx\u0000"],
      ["tenant", "\ud800"],
      ["key", "k".repeat(65)],
      ["model", "m\u0001"],
    ] as const) {
      const body = field === "model" ? { tenant: "ok", model: value } : { [field]: value }
      const response = await gatewayLimits(request("POST"), "", body, d)
      expect(response.status, `${field} ${JSON.stringify(value.slice(0, 8))}`).toBe(400)
      expect(JSON.parse(String(response.body)).error.param).toBe(field)
    }
    expect(d.table.rows.size).toBe(0)
  })
  it("keeps a tenant named like another tenant's per-model id apart from that rule", async () => {
    const d = deps()
    await post(d, { tenant: "mx", model: "oa", requests: 5 })
    const crafted = await post(d, { tenant: "mx|model:oa", requests: 1_000 })
    expect(crafted.status).toBe(201)
    expect(d.table.rows.size).toBe(2)
    const perModel = [...d.table.rows.values()].find((row) => row["tenant"] === "mx" && row["model"] === "oa")
    expect(perModel?.["requests"]).toBe(5)
  })
  it("updates a rule stored under the old id in place, so no second rule appears for the same owner and model", async () => {
    const d = deps()
    d.table.rows.set("tenant:a b|model:m:1", { id: "tenant:a b|model:m:1", tenant: "a b", keyId: null, model: "m:1", requests: 5 })
    const updated = await post(d, { tenant: "a b", model: "m:1", requests: 7 })
    expect(updated.status).toBe(200)
    expect([...d.table.rows.values()].map((row) => [row["tenant"], row["model"], row["requests"]])).toEqual([["a b", "m:1", 7]])
  })
})

describe("GET /gateway/limits pages", () => {
  it("answers at most `limit` rules, in id order, with a cursor that reaches every rule once", async () => {
    const d = deps()
    for (let i = 0; i < 25; i++) await post(d, { tenant: `t${String(i).padStart(2, "0")}`, requests: i })
    const seen: string[] = []
    let after: string | null = null
    for (let page = 0; page < 10; page++) {
      const answer = await get(d, `/gateway/limits?limit=10${after === null ? "" : `&after=${encodeURIComponent(after)}`}`)
      expect(answer.status).toBe(200)
      expect(answer.body.data.length).toBeLessThanOrEqual(10)
      seen.push(...answer.body.data.map((rule) => rule.id))
      after = answer.body.last_id
      if (!answer.body.has_more) break
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `tenant:t${String(i).padStart(2, "0")}`))
  })
  it("defaults to 100 a page and refuses a limit outside 1-1000 naming it", async () => {
    const d = deps()
    for (let i = 0; i < 120; i++) await post(d, { tenant: `t${i}` })
    const first = await get(d, "/gateway/limits")
    expect(first.body.data.length).toBe(100)
    expect(first.body.has_more).toBe(true)
    for (const bad of ["0", "1001", "abc", "1.5"]) {
      const answer = await get(d, `/gateway/limits?limit=${bad}`)
      expect(answer.status).toBe(400)
      expect(answer.body.error?.param).toBe("limit")
    }
  })
})

describe("the number of limit rules is bounded (every thread holds them all in memory)", () => {
  it("refuses a new rule past maxRules with a 400 naming the bound, and still changes an existing one", async () => {
    const d = { ...deps(), maxRules: 3 }
    for (const tenant of ["a", "b", "c"]) expect((await post(d, { tenant, requests: 10 })).status).toBe(201)
    const refused = await post(d, { tenant: "d", requests: 10 })
    expect(refused.status).toBe(400)
    expect(refused.body.error?.code).toBe("too_many_limits")
    expect(String(Reflect.get(refused.body.error ?? {}, "message"))).toContain("limits.maxRules")
    expect(d.table.rows.has("tenant:d")).toBe(false)
    expect((await post(d, { tenant: "a", requests: 20 })).status).toBe(200)
    expect(d.table.rows.get("tenant:a")?.["requests"]).toBe(20)
  })
})
