/**
 * Harper leaves `${VAR}` in config.yaml literal, so the gateway expands it. An unset or
 * empty variable is reported with where it was used, and the plugin refuses to start:
 * a backend with an empty key or URL must fail loudly at start, not at the first request.
 */
export interface MissingVariable {
  readonly name: string
  /** Where in the plugin's config block it is used, e.g. `models.generative.default.apiKey`. */
  readonly path: string
}

export type Expanded = { readonly value: unknown; readonly missing: readonly MissingVariable[] }

export function expandEnv(value: unknown, env: Readonly<Record<string, string | undefined>>): Expanded {
  const missing: MissingVariable[] = []
  const visit = (node: unknown, path: readonly string[]): unknown => {
    if (typeof node === "string") {
      return node.replace(/\$\{(\w+)\}/g, (_, name: string) => {
        const found = env[name]
        if (found === undefined || found === "") {
          missing.push({ name, path: path.join(".") })
          return ""
        }
        return found
      })
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, String(index)]))
    if (typeof node === "object" && node !== null) return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, visit(inner, [...path, key])]))
    return node
  }
  return { value: visit(value, []), missing }
}

/** One line for the log and the start failure: which variables, and which settings need them. */
export function describeMissing(missing: readonly MissingVariable[]): string {
  return `gateway config: ${missing.map((m) => `environment variable ${m.name} is not set (needed by ${m.path})`).join("; ")}`
}
