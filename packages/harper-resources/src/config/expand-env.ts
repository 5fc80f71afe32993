/**
 * Harper leaves `${VAR}` in config.yaml literal, so the gateway expands it. An unset
 * variable is reported, not replaced by an empty string: a backend with an empty key
 * or URL must fail loudly at start, not at the first request.
 */
export type Expanded = { readonly value: unknown; readonly missing: readonly string[] }

export function expandEnv(value: unknown, env: Readonly<Record<string, string | undefined>>): Expanded {
  const missing: string[] = []
  const visit = (node: unknown): unknown => {
    if (typeof node === "string") {
      return node.replace(/\$\{(\w+)\}/g, (_, name: string) => {
        const found = env[name]
        if (found === undefined || found === "") {
          missing.push(name)
          return ""
        }
        return found
      })
    }
    if (Array.isArray(node)) return node.map(visit)
    if (typeof node === "object" && node !== null) return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, visit(inner)]))
    return node
  }
  return { value: visit(value), missing }
}
