import { invalidRequest, type GatewayError } from "@harper-gateway/translate"

export interface ItemList {
  readonly object: "list"
  readonly data: readonly unknown[]
  readonly first_id: string
  readonly last_id: string
  readonly has_more: boolean
}

/**
 * One page of a response's input items, as GET /v1/responses/{id}/input_items answers
 * (the spec's ResponseItemList): `limit` 1-100 (default 20), `order` asc|desc (default
 * desc: newest first), `after` an item id (the cursor: items after it in that order).
 * A bad value is a 400 naming the parameter. An empty page has empty first/last ids
 * (the spec requires both strings).
 */
export function inputItemsPage(items: readonly unknown[], query: URLSearchParams): { ok: true; list: ItemList } | { ok: false; error: GatewayError } {
  const limitText = query.get("limit")
  const limit = limitText === null ? 20 : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return { ok: false, error: invalidRequest("limit must be an integer between 1 and 100.", "limit", "invalid_value") }
  const order = query.get("order") ?? "desc"
  if (order !== "asc" && order !== "desc") return { ok: false, error: invalidRequest("order must be 'asc' or 'desc'.", "order", "invalid_value") }
  const ordered = order === "asc" ? items : [...items].reverse()
  const after = query.get("after")
  let start = 0
  if (after !== null) {
    const at = ordered.findIndex((item) => idOf(item) === after)
    if (at === -1) return { ok: false, error: { _tag: "InvalidRequest", message: `Item with id '${after}' not found.`, param: "after", code: null, status: 404 } }
    start = at + 1
  }
  const data = ordered.slice(start, start + limit)
  return { ok: true, list: { object: "list", data, first_id: idOf(data[0]) ?? "", last_id: idOf(data.at(-1)) ?? "", has_more: start + limit < ordered.length } }
}

function idOf(item: unknown): string | undefined {
  const id: unknown = typeof item === "object" && item !== null ? Reflect.get(item, "id") : undefined
  return typeof id === "string" ? id : undefined
}
