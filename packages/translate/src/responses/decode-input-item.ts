import { Result, Schema } from "effect"
import { invalidRequest } from "../errors/gateway-error.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import * as Wire from "../wire/responses-request.ts"
import { schemaIssueToError } from "../wire/schema-issue-to-error.ts"

/** Every failure, not only the first: the count picks which union member a value was meant to be (schemaIssueToError). */
const strict = { errors: "all", onExcessProperty: "error" } as const
const decoders = {
  message: Schema.decodeUnknownResult(Wire.InputMessageItem),
  function_call: Schema.decodeUnknownResult(Wire.FunctionCallItem),
  function_call_output: Schema.decodeUnknownResult(Wire.FunctionCallOutputItem),
  reasoning: Schema.decodeUnknownResult(Wire.ReasoningInputItem),
  item_reference: Schema.decodeUnknownResult(Wire.ItemReference),
} as const

/**
 * One input item, picked by its `type` so a failure names its own path (`input[2].call_id`).
 * A message may omit `type` (EasyInputMessage), and so may an item reference (`{id}`).
 * `path` is where the item sits (`["input", 2]`), for the error's `param`.
 */
export function decodeInputItem(raw: unknown, path: readonly PropertyKey[]): Outcome<Wire.InputItem> {
  const where = pathText(path)
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail(invalidRequest(`Invalid value for '${where}': expected an input item object.`, where, "invalid_value"))
  const type: unknown = "type" in raw ? raw.type : undefined
  const kind = type === undefined || type === null ? untypedKind(raw) : type
  switch (kind) {
    case "message":
      return settle(decoders.message(raw, strict), path, raw)
    case "function_call":
      return settle(decoders.function_call(raw, strict), path, raw)
    case "function_call_output":
      return settle(decoders.function_call_output(raw, strict), path, raw)
    case "reasoning":
      return settle(decoders.reasoning(raw, strict), path, raw)
    case "item_reference":
      return settle(decoders.item_reference(raw, strict), path, raw)
    case undefined: {
      // Without `type`, an object with only message fields is a message missing its role.
      const missing = Object.keys(raw).every((key) => messageKeys.has(key)) ? "role" : "type"
      return fail(invalidRequest(`Missing required parameter: '${where}.${missing}'.`, `${where}.${missing}`, "missing_required_parameter"))
    }
    default:
      return fail(invalidRequest(`Input items of type ${JSON.stringify(kind)} are not supported by this gateway; supported types: ${Wire.inputItemTypes.join(", ")}.`, `${where}.type`, "unsupported_value"))
  }
}

const messageKeys: ReadonlySet<string> = new Set(Object.keys(Wire.InputMessageItem.fields))

/** An item without `type`: a message when it has a role, a reference when it is only an id (`{id}`). */
function untypedKind(raw: object): "message" | "item_reference" | undefined {
  if ("role" in raw) return "message"
  return "id" in raw && Object.keys(raw).every((key) => key === "id" || key === "type") ? "item_reference" : undefined
}

function settle<T extends Wire.InputItem>(decoded: Result.Result<T, Schema.SchemaError>, path: readonly PropertyKey[], raw: unknown): Outcome<Wire.InputItem> {
  return Result.isFailure(decoded) ? fail(schemaIssueToError(decoded.failure.issue, path, raw)) : succeed(decoded.success)
}

/** A stored item (one the gateway kept from an earlier request or response), read back: never a reference. */
export function decodeStoredItem(raw: unknown): Outcome<Wire.ResponseItem> {
  const decoded = decodeInputItem(raw, ["item"])
  if (!decoded.ok) return decoded
  const item = decoded.value
  return isReference(item) ? fail(invalidRequest("A stored item cannot be a reference.", "item", "invalid_value")) : succeed(item)
}

export function isReference(item: Wire.InputItem): item is Wire.ItemReference {
  return !("role" in item) && (item.type === "item_reference" || item.type === undefined || item.type === null)
}

function pathText(path: readonly PropertyKey[]): string {
  let out = ""
  for (const segment of path) out += typeof segment === "number" ? `[${segment}]` : out === "" ? String(segment) : `.${String(segment)}`
  return out
}
