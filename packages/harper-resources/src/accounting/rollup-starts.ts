import type { TableLike } from "../harper-tables.ts"

/**
 * Records, once per node, since when its rows are all in the rollups: 0 when it starts
 * with no rows at all, else now (rows stored before by an older version are not in them,
 * and aggregates read those row by row).
 */
export async function markRollupsStart(tables: { readonly starts: TableLike; readonly calls: TableLike }, node: string, now: () => number): Promise<void> {
  const { starts, calls } = tables
  const known: unknown = await starts.get(node)
  if (known !== undefined && known !== null) return
  let anyRow = false
  for await (const _row of calls.search({})) {
    anyRow = true
    break
  }
  await starts.put({ id: node, since: anyRow ? now() : 0 })
}

/** The latest start of all nodes' rollups (before it some node's rows may be missing from them); none yet: never. */
export async function rollupsSince(starts: TableLike): Promise<number> {
  let since = Number.POSITIVE_INFINITY
  let found = false
  for await (const row of starts.search({})) {
    const value: unknown = typeof row === "object" && row !== null ? Reflect.get(row, "since") : undefined
    if (typeof value !== "number") continue
    since = found ? Math.max(since, value) : value
    found = true
  }
  return since
}
