/**
 * Anything thrown, as text for the operator's log and a row's `errorDetail`: an Error
 * as `Name: message`, an object with a string `message` (Harper's BigInt serialiser
 * throws one) as that message, anything else as JSON where it can be. Never
 * "[object Object]".
 */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`
  if (typeof thrown === "string") return thrown
  if (typeof thrown === "object" && thrown !== null) {
    const message: unknown = Reflect.get(thrown, "message")
    if (typeof message === "string") return message
  }
  try {
    const json = JSON.stringify(thrown, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))
    if (typeof json === "string") return json
  } catch {
    // A cycle or a throwing toJSON: the type is all that can be said.
  }
  return typeof thrown === "object" && thrown !== null ? `a thrown ${thrown.constructor?.name ?? "object"}` : String(thrown)
}
