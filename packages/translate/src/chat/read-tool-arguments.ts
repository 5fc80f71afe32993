/**
 * Tool arguments as the client must get them: JSON text. A string is kept byte for
 * byte; an object (some servers send the parsed value) is stringified and the repair
 * reported; absent is "".
 */
export function readToolArguments(args: string | Readonly<Record<string, unknown>> | null | undefined): { readonly text: string; readonly stringified: boolean } {
  if (args === null || args === undefined) return { text: "", stringified: false }
  if (typeof args === "string") return { text: args, stringified: false }
  return { text: JSON.stringify(args), stringified: true }
}
