import { SchemaIssue } from "effect"
import type { GatewayError } from "../errors/gateway-error.ts"

const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/** `["messages", 2, "content"]` -> `messages[2].content`, the form OpenAI uses for `param`. */
export function formatParamPath(path: ReadonlyArray<PropertyKey>): string | null {
  let out = ""
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`
    else out += out === "" ? String(segment) : `.${String(segment)}`
  }
  return out === "" ? null : out
}

/** A schema failure as a 400 naming the first failing path. */
export function schemaIssueToError(issue: SchemaIssue.Issue, prefix: ReadonlyArray<PropertyKey> = []): GatewayError {
  const first = formatIssue(issue).issues[0]
  const path = [...prefix, ...(first?.path ?? []).map((segment) => (typeof segment === "object" ? segment.key : segment))]
  const param = formatParamPath(path)
  const detail = shortDetail(first?.message ?? "Invalid value")
  const message =
    detail === "Missing key"
      ? `Missing required parameter: '${param ?? "body"}'.`
      : detail === "Expected no excess property"
        ? `Unrecognized parameter: '${param ?? "body"}'.`
        : `Invalid value for '${param ?? "body"}': ${detail}.`
  return { _tag: "InvalidRequest", message, param, code: detail === "Missing key" ? "missing_required_parameter" : "invalid_value" }
}

/** A union without an `expected` annotation prints every member's shape: a client needs the path, not a schema dump. */
function shortDetail(detail: string): string {
  return detail.length > 160 || detail.includes("{ readonly") ? "Expected a value of another shape" : detail
}
