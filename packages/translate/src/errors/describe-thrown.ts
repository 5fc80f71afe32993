/** Longest description kept of a thrown value: a row's errorDetail or a log line, never a dump. */
export const MAX_THROWN_CHARS = 2_000

/**
 * Any thrown value as text an operator can read (an accounting row's errorDetail, a log
 * line): an Error as `name: message` (with its cause), a string as itself, an object with
 * a string `message` (Harper's BigInt serialiser throws one) as that message, anything else
 * as JSON (BigInts as their digits), never "[object Object]". With `stack`, an Error's
 * stack stands for its name and message (within the same bound). Bounded; never throws (a cyclic or hostile value gets
 * its type's name).
 */
export function describeThrown(value: unknown, options: { readonly stack?: boolean } = {}): string {
  return bounded(describe(value, 0, options.stack === true))
}

function describe(value: unknown, depth: number, stack: boolean): string {
  if (value instanceof Error) {
    // The stack (for the gateway's own failures: where it broke) starts with the name and message.
    const own = stack && typeof value.stack === "string" && value.stack !== "" ? value.stack : `${value.name}: ${value.message}`
    return value.cause === undefined || depth >= 3 ? own : `${own} (cause: ${describe(value.cause, depth + 1, false)})`
  }
  if (typeof value === "string") return value
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean" || typeof value === "symbol" || value === undefined || value === null) return String(value)
  const message = messageOf(value)
  if (message !== undefined) return message
  const kind = constructorName(value)
  try {
    const json = JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner))
    if (typeof json === "string") return json === "{}" && kind !== "Object" ? `${kind} {}` : json
  } catch {
    // cyclic, or a getter that throws: its kind is all that can be said
  }
  return typeof value === "function" ? `a function (${value.name || "anonymous"})` : `an object (${kind})`
}

function messageOf(value: object | ((...args: never[]) => unknown)): string | undefined {
  try {
    const message: unknown = Reflect.get(value, "message")
    return typeof message === "string" ? message : undefined
  } catch {
    return undefined
  }
}

function constructorName(value: object | ((...args: never[]) => unknown)): string {
  try {
    const ctor: unknown = Reflect.get(value, "constructor")
    return typeof ctor === "function" && ctor.name !== "" ? ctor.name : "no prototype"
  } catch {
    return "unknown"
  }
}

function bounded(text: string): string {
  return text.length <= MAX_THROWN_CHARS ? text : `${text.slice(0, MAX_THROWN_CHARS)}… (${text.length - MAX_THROWN_CHARS} more characters)`
}
