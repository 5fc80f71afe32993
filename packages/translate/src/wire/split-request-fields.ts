import { Result, Schema } from "effect"
import type { FieldDisposition } from "./field-disposition.ts"
import { invalidRequest } from "../errors/gateway-error.ts"
import { fail, succeed, type Outcome } from "../outcome.ts"
import { schemaIssueToError } from "./schema-issue-to-error.ts"

export interface SplitRequestFields {
  /** The fields the request schema models, to decode with it. */
  readonly modelled: Record<string, unknown>
  /** Type-checked "passthrough" fields and provider extensions, for the model's forwarding policy. */
  readonly passthrough: Record<string, unknown>
}

/** Every failure, not only the first: the count picks which union member a value was meant to be (schemaIssueToError). */
const strict = { errors: "all", onExcessProperty: "error" } as const

/**
 * One rule for every request type's top-level fields, by its disposition table:
 * modelled fields go to the schema; "ignored" ones are dropped; "rejected" ones are a
 * 400 naming the field unless null; "passthrough" ones are type-checked and kept; keys
 * that are not the protocol's fields are provider extensions, kept for the forwarding
 * policy to allow or refuse. `fromEntries` keeps a key named `__proto__` as data.
 */
export function splitRequestFields(body: object, modelledFields: ReadonlySet<string>, dispositionOf: (field: string) => FieldDisposition | undefined): Outcome<SplitRequestFields> {
  const modelled: Array<[string, unknown]> = []
  const passthrough: Array<[string, unknown]> = []
  for (const [field, value] of Object.entries(body)) {
    if (modelledFields.has(field)) {
      modelled.push([field, value])
      continue
    }
    const disposition = dispositionOf(field)
    if (disposition === undefined) {
      passthrough.push([field, value]) // a provider extension, not an OpenAI field
      continue
    }
    switch (disposition.kind) {
      case "supported":
        // Every supported field is modelled; the table tests keep the two in step.
        return fail(invalidRequest(`Parameter '${field}' is not handled.`, field))
      case "ignored":
        continue
      case "rejected":
        if (value !== null) return fail(invalidRequest(`Parameter '${field}' is not supported by this gateway: ${disposition.note}.`, field, "unsupported_parameter"))
        continue
      case "passthrough": {
        const checked = Schema.decodeUnknownResult(disposition.schema)(value, strict)
        if (Result.isFailure(checked)) return fail(schemaIssueToError(checked.failure.issue, [field], value))
        passthrough.push([field, value])
        continue
      }
      default: {
        const unreachable: never = disposition
        return unreachable
      }
    }
  }
  return succeed({ modelled: Object.fromEntries(modelled), passthrough: Object.fromEntries(passthrough) })
}
