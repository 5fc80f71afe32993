/**
 * The id after a resource's path (`/gpt-4o` for /v1/models/gpt-4o), percent-decoded.
 * Malformed escapes (`%E0`) are a client's mistake, not a crash: undefined.
 */
export function pathId(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname.replace(/^\/+|\/+$/g, ""))
  } catch {
    return undefined
  }
}
