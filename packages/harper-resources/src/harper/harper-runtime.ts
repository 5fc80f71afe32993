/**
 * Harper's globals the gateway reads (its tables, its node name, its user lookup), behind
 * plain functions: with plugin.ts and harper-resource.ts, the only files that import Harper.
 */
import { hostname } from "node:os"
import { databases, server } from "harperdb"
import { isTable, type TableLike } from "../harper-tables.ts"
import type { GetUser } from "./harper-users.ts"

/** A table of the plugin's `gateway` database (schema.graphql). */
export function gatewayTable(name: string): TableLike {
  const found = tableOf("gateway", name)
  if (found === undefined) throw new Error(`gateway: table gateway.${name} is missing (the plugin's schema.graphql did not load)`)
  return found
}

/** A table of Harper's `system` database (hdb_user). */
export function systemTable(name: string): TableLike {
  const found = tableOf("system", name)
  if (found === undefined) throw new Error(`gateway: Harper's table system.${name} is missing`)
  return found
}

function tableOf(database: string, name: string): TableLike | undefined {
  const tables: unknown = Reflect.get(databases, database)
  const found: unknown = typeof tables === "object" && tables !== null ? Reflect.get(tables, name) : undefined
  return isTable(found) ? found : undefined
}

/** Harper's name for this node (its replication hostname): the node part of gateway_limit_usage ids. */
export function nodeName(): string {
  const name: unknown = Reflect.get(server, "hostname")
  return typeof name === "string" && name !== "" ? name : (process.env["REPLICATION_HOSTNAME"] ?? hostname())
}

/**
 * Harper's `server.getUser(username, null)`, which fetches a user without a password
 * check (its typings demand a request); undefined where this Harper has none.
 */
export function harperGetUser(): GetUser | undefined {
  const getUser: unknown = Reflect.get(server, "getUser")
  if (typeof getUser !== "function") return undefined
  return async (username) => {
    const user: unknown = await Reflect.apply(getUser, server, [username, null])
    return user
  }
}
