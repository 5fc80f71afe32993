import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { inputItemsPage } from "./input-items-page.ts"

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `item_${i}` }))
const page = (n: number, query: string) => inputItemsPage(items(n), new URLSearchParams(query))

describe("a page of input items", () => {
  it("defaults to 20, newest first", () => {
    const result = page(25, "")
    expect(result).toMatchObject({ ok: true, list: { object: "list", first_id: "item_24", last_id: "item_5", has_more: true } })
    expect(result.ok && result.list.data.length).toBe(20)
  })

  it("walks every item exactly once by following last_id, in either order and any limit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 100 }), fc.constantFrom("asc", "desc"), (n, limit, order) => {
        const seen: unknown[] = []
        let after: string | undefined
        for (;;) {
          const result = page(n, `limit=${limit}&order=${order}${after === undefined ? "" : `&after=${after}`}`)
          if (!result.ok) throw new Error("refused")
          seen.push(...result.list.data)
          if (!result.list.has_more) break
          after = result.list.last_id
        }
        const expected = order === "asc" ? items(n) : items(n).reverse()
        expect(seen).toEqual(expected)
      }),
    )
  })

  it("refuses a bad limit, order or cursor, naming the parameter", () => {
    for (const [query, param] of [
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=2.5", "limit"],
      ["limit=x", "limit"],
      ["order=up", "order"],
      ["after=nope", "after"],
    ]) {
      expect(page(3, query ?? "")).toMatchObject({ ok: false, error: { _tag: "InvalidRequest", param } })
    }
  })

  it("answers an empty list with has_more false", () => {
    expect(page(0, "")).toEqual({ ok: true, list: { object: "list", data: [], first_id: "", last_id: "", has_more: false } })
  })
})
