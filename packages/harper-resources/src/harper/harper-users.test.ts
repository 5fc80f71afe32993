import { GatewayFailure } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { createFindUser, type GetUser } from "./harper-users.ts"

// system.hdb_user records carry Harper's `__createdtime__` (epoch ms), as every Harper table does.
const records: Record<string, unknown> = { ann: { username: "ann", active: true, __createdtime__: 1_700_000_000_000 } }
const readUser = (username: string): unknown => records[username]
// server.getUser answers the user with its role, and `{ username }` for a name it does not know.
const getUser: GetUser = async (username) => ({ username, role: { permission: { super_user: true } } })

describe("findUser", () => {
  it("answers Harper's user with when its record was created", async () => {
    const findUser = createFindUser({ readUser, getUser })
    expect(await findUser("ann")).toEqual({ username: "ann", role: { permission: { super_user: true } }, createdTime: 1_700_000_000_000 })
  })

  it("finds nobody whose record is missing, without asking getUser (which would answer { username })", async () => {
    const asked: string[] = []
    const findUser = createFindUser({ readUser, getUser: async (username) => (asked.push(username), { username }) })
    expect(await findUser("bob")).toBeUndefined()
    expect(asked).toEqual([])
  })

  it("finds nobody where Harper has no getUser", async () => {
    expect(await createFindUser({ readUser, getUser: undefined })("ann")).toBeUndefined()
  })

  it("finds nobody for an inactive user (Harper throws a 401 ClientError)", async () => {
    const inactive = createFindUser({ readUser, getUser: async () => Promise.reject(Object.assign(new Error("Login failed"), { statusCode: 401 })) })
    expect(await inactive("ann")).toBeUndefined()
  })

  it("answers Unavailable when Harper fails otherwise, never a guess", async () => {
    const broken = createFindUser({ readUser: () => Promise.reject(new Error("lmdb: read failed")), getUser })
    const failure = await broken("ann").catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(GatewayFailure)
    expect(failure instanceof GatewayFailure ? failure.reason._tag : undefined).toBe("Unavailable")
  })

  it("finds nobody when getUser answers no object", async () => {
    expect(await createFindUser({ readUser, getUser: async () => null })("ann")).toBeUndefined()
  })
})
