import type { TableLike } from "../src/harper-tables.ts"

/**
 * A Harper table stand-in for unit tests: `search` answers the given rows whatever the
 * query (the query is recorded, so a test asserts what Harper would be asked), `get` and
 * `put` work on a map by id.
 */
export interface FakeTable extends TableLike {
  readonly queries: object[]
  readonly puts: object[]
}

export function fakeTable(rows: readonly unknown[] = [], byId: ReadonlyMap<string, unknown> = new Map()): FakeTable {
  const queries: object[] = []
  const puts: object[] = []
  const records = new Map(byId)
  return {
    queries,
    puts,
    put: (record) => {
      puts.push(record)
      const id: unknown = Reflect.get(record, "id")
      if (typeof id === "string") records.set(id, record)
      return Promise.resolve()
    },
    get: (id) => Promise.resolve(records.get(id)),
    search: (query) => {
      queries.push(query)
      return each(rows)
    },
    setTTLExpiration: () => undefined,
  }
}

async function* each(values: readonly unknown[]): AsyncIterable<unknown> {
  for (const value of values) yield value
}
