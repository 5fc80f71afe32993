import { describeThrown, GatewayFailure } from "@harper-gateway/translate"

/** Harper's user lookup by name (roles and all), without a password check. */
export type GetUser = (username: string) => Promise<unknown>

export interface UserSources {
  /** system.hdb_user's record of the name (the user table knows whether it exists, and since when). */
  readonly readUser: (username: string) => unknown
  /** Undefined where Harper has no lookup: then nobody is found. */
  readonly getUser: GetUser | undefined
}

/**
 * Finds a Harper user for the gateway's auth and key endpoint: the user Harper resolves
 * plus `createdTime` (its record's `__createdtime__`, so a key outlives no recreated user).
 * Unknown or inactive: undefined; Harper failing: Unavailable, never a guess.
 */
export function createFindUser(sources: UserSources): (username: string) => Promise<unknown> {
  const { readUser, getUser } = sources
  return async (username) => {
    if (getUser === undefined) return undefined
    let stored: unknown
    let user: unknown
    try {
      // getUser answers `{username}` for a name that does not exist: the record is read first.
      stored = await readUser(username)
      if (typeof stored !== "object" || stored === null) return undefined
      user = await getUser(username)
    } catch (error) {
      if (statusOf(error) === 401) return undefined // Harper's answer for an inactive user
      throw new GatewayFailure({ _tag: "Unavailable", detail: describeThrown(error) })
    }
    if (typeof user !== "object" || user === null || typeof stored !== "object" || stored === null) return undefined
    return { ...user, createdTime: Reflect.get(stored, "__createdtime__") }
  }
}

/** A Harper error's status code (Harper's ClientError carries the HTTP status it means). */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined
  const status: unknown = Reflect.get(error, "statusCode") ?? Reflect.get(error, "status")
  return typeof status === "number" ? status : undefined
}
