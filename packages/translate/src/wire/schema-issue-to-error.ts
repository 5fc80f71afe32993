import { SchemaAST, SchemaIssue } from "effect"
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

/**
 * A schema failure as a 400 naming the exact failing path (see locateIssue). `input` is
 * the value decoded (what `prefix` points at), which tells a union's discriminator.
 */
export function schemaIssueToError(issue: SchemaIssue.Issue, prefix: ReadonlyArray<PropertyKey> = [], input?: unknown): GatewayError {
  const located = locateIssue(issue, { path: prefix, value: input })
  if (located.kind === "discriminator") {
    const param = formatParamPath(located.path)
    const expected = located.expected.map((value) => JSON.stringify(value)).join(", ")
    return { _tag: "InvalidRequest", message: `Invalid value for '${param ?? "body"}': expected one of ${expected}.`, param, code: "invalid_value" }
  }
  const first = formatIssue(located.issue).issues[0]
  const path = [...located.path, ...(first?.path ?? []).map((segment) => (typeof segment === "object" ? segment.key : segment))]
  const param = formatParamPath(path)
  const detail = shortDetail(first?.message ?? "Invalid value")
  const message =
    detail === "Missing key" ? `Missing required parameter: '${param ?? "body"}'.` : detail === "Expected no excess property" ? `Unrecognized parameter: '${param ?? "body"}'.` : `Invalid value for '${param ?? "body"}': ${detail}.`
  return { _tag: "InvalidRequest", message, param, code: detail === "Missing key" ? "missing_required_parameter" : "invalid_value" }
}

type Located =
  | { readonly kind: "issue"; readonly issue: SchemaIssue.Issue; readonly path: ReadonlyArray<PropertyKey>; readonly count: number }
  | { readonly kind: "discriminator"; readonly path: ReadonlyArray<PropertyKey>; readonly expected: readonly unknown[] }

/**
 * Where a failure is, as exactly as the value allows. A union names the member the
 * value was meant to be, not itself: the member with the fewest failures (decoders run
 * with `errors: "all"`), then the one that got furthest (`stop: ["a", 5]` is `stop[1]`);
 * an object no member applies to names its discriminator (`response_format.type`), the
 * literal key every object member has.
 */
interface Place {
  readonly path: ReadonlyArray<PropertyKey>
  /** The value at `path`, as far as it is known. */
  readonly value: unknown
}

function locateIssue(issue: SchemaIssue.Issue, place: Place): Located {
  const { path } = place
  switch (issue._tag) {
    case "Pointer":
      return locateIssue(issue.issue, { path: [...path, ...issue.path], value: issue.path.reduce(child, place.value) })
    case "Composite": {
      const [first] = issue.issues
      const located = locateIssue(first, place)
      return located.kind === "issue" ? { ...located, count: issue.issues.reduce((sum, inner) => sum + countLeaves(inner), 0) } : located
    }
    case "Encoding":
      return locateIssue(issue.issue, place)
    case "AnyOf": {
      if (issue.issues.length === 0) return discriminatorOf(issue.ast, place) ?? { kind: "issue", issue, path, count: 1 }
      const members = issue.issues.map((inner) => locateIssue(inner, place))
      return members.reduce((best, member) => (better(member, best) ? member : best))
    }
    case "Filter":
    case "InvalidType":
    case "InvalidValue":
    case "MissingKey":
    case "UnexpectedKey":
    case "Forbidden":
    case "OneOf":
      return { kind: "issue", issue, path, count: 1 }
    default: {
      const unreachable: never = issue
      return unreachable
    }
  }
}

function child(value: unknown, key: PropertyKey): unknown {
  return typeof value === "object" && value !== null && Object.hasOwn(value, key) ? Reflect.get(value, key) : undefined
}

function countLeaves(issue: SchemaIssue.Issue): number {
  switch (issue._tag) {
    case "Pointer":
    case "Encoding":
      return countLeaves(issue.issue)
    case "Composite":
      return issue.issues.reduce((sum, inner) => sum + countLeaves(inner), 0)
    case "AnyOf":
      return issue.issues.length === 0 ? 1 : Math.min(...issue.issues.map(countLeaves))
    default:
      return 1
  }
}

/** Fewer failures first, then a path further along (deeper, or a later index of the same array). */
function better(candidate: Located, best: Located): boolean {
  const count = (located: Located) => (located.kind === "issue" ? located.count : 1)
  if (count(candidate) !== count(best)) return count(candidate) < count(best)
  return further(candidate.path, best.path)
}

function further(a: ReadonlyArray<PropertyKey>, b: ReadonlyArray<PropertyKey>): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]]
    if (x === y) continue
    return typeof x === "number" && typeof y === "number" ? x > y : false
  }
  return a.length > b.length
}

/** The key whose literal picks a union's object member, when the value's own is none of them. */
function discriminatorOf(union: SchemaAST.Union, { path, value: input }: Place): Located | undefined {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined
  const objects = union.types.filter(SchemaAST.isObjects)
  if (objects.length === 0) return undefined
  for (const signature of objects[0]?.propertySignatures ?? []) {
    const expected = objects.map((member) => literalsOf(member.propertySignatures.find((other) => other.name === signature.name)?.type))
    if (expected.some((values) => values.length === 0)) continue
    const flat = expected.flat()
    if (!flat.includes(Reflect.get(input, signature.name))) return { kind: "discriminator", path: [...path, signature.name], expected: flat }
  }
  return undefined
}

function literalsOf(ast: SchemaAST.AST | undefined): readonly unknown[] {
  if (ast === undefined) return []
  if (SchemaAST.isLiteral(ast)) return [ast.literal]
  if (SchemaAST.isUnion(ast)) {
    const all = ast.types.map((member) => literalsOf(member))
    return all.some((values) => values.length === 0) ? [] : all.flat()
  }
  return []
}

/** A union without an `expected` annotation prints every member's shape: a client needs the path, not a schema dump. */
function shortDetail(detail: string): string {
  return detail.length > 160 || detail.includes("{ readonly") ? "Expected a value of another shape" : detail
}
