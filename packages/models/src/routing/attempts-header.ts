/** One attempt of a call as the client may see it: no hosts, no keys, only configured names. */
export interface AttemptReport {
  readonly logicalModel: string
  readonly deployment: string
  /** 200, or the status the attempt's error maps to. */
  readonly status: number
  /** The OpenAI error code of a failed attempt. */
  readonly code: string | null
}

export const ATTEMPTS_HEADER = "x-gateway-attempts"

/**
 * `x-gateway-attempts`: every attempt in order, `<logical model>/<deployment>=<status>`,
 * with `:<error code>` after a failure, e.g. `primary/0=503:upstream_unavailable, backup/eu=200`.
 * Names are percent-encoded, so a comma or `=` in a configured name cannot break the list.
 */
export function attemptsHeader(reports: readonly AttemptReport[]): string {
  return reports.map((r) => `${encodeURIComponent(r.logicalModel)}/${encodeURIComponent(r.deployment)}=${r.status}${r.code === null ? "" : `:${encodeURIComponent(r.code)}`}`).join(", ")
}
