import type { TableLike } from "../harper-tables.ts"

/**
 * Calls `changed(id)` for every row of the table written or deleted from now on, on this
 * thread, whichever thread or node wrote it: Harper's table subscription (events read
 * from the table's audit log after each commit, replicated writes included). Answers
 * whether the subscription was set up; without it, callers keep their time bound.
 */
export async function watchTable(table: TableLike, changed: (id: string) => void, logError: (message: string, error: unknown) => void): Promise<boolean> {
  const subscribe: unknown = Reflect.get(table, "subscribe")
  if (typeof subscribe !== "function") return false
  const listener = (event: unknown): void => {
    const id: unknown = typeof event === "object" && event !== null ? Reflect.get(event, "id") : undefined
    if (typeof id === "string") changed(id)
  }
  try {
    await Reflect.apply(subscribe, table, [{ omitCurrent: true, listener }])
    return true
  } catch (error) {
    logError("gateway: could not subscribe to a table's changes; cached rows expire by time only", error)
    return false
  }
}
