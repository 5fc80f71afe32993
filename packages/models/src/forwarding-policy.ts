import { dispositionOf, invalidRequest, type GatewayError } from "@harper-gateway/translate"

/**
 * Official fields that cost the operator money or keep data at the provider: forwarded
 * only to models whose config lists them in `extraFields`, like any extension field.
 */
const OPT_IN_OFFICIAL_FIELDS: ReadonlySet<string> = new Set(["service_tier", "store"])

/** Values that ask for exactly what omitting the field gives: accepted, and not forwarded when the field is not allowed. */
function isDefaultValue(field: string, value: unknown): boolean {
  if (value === null) return true
  if (field === "store") return value === false
  if (field === "service_tier") return value === "auto" || value === "default"
  return false
}

/**
 * Which of a request's passed-through fields go upstream, by the model's policy: the
 * official fields the disposition table marks "passthrough" (except the opt-in ones),
 * and whatever the model's `extraFields` lists. Any other field is refused with a 400
 * naming it: a tenant must not reach a router upstream's `models`, `provider` or
 * `plugins`, or a paid tier, with the operator's key.
 */
export function forwardedFields(passthrough: Readonly<Record<string, unknown>>, extraFields: ReadonlySet<string>, logicalModel: string): Forwarded {
  return forwardBy(passthrough, { logicalModel, forwards: (field) => (dispositionOf(field)?.kind === "passthrough" && !OPT_IN_OFFICIAL_FIELDS.has(field)) || extraFields.has(field) })
}

/**
 * The same rule for a request type that has no passed-through official fields (text
 * completions forward all of theirs): only what the model's `extraFields` lists goes up.
 */
export function forwardedExtensions(passthrough: Readonly<Record<string, unknown>>, extraFields: ReadonlySet<string>, logicalModel: string): Forwarded {
  return forwardBy(passthrough, { logicalModel, forwards: (field) => extraFields.has(field) })
}

type Forwarded = { readonly ok: true; readonly fields: Readonly<Record<string, unknown>> } | { readonly ok: false; readonly error: GatewayError }

function forwardBy(passthrough: Readonly<Record<string, unknown>>, policy: { readonly logicalModel: string; readonly forwards: (field: string) => boolean }): Forwarded {
  const fields: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(passthrough)) {
    if (policy.forwards(field)) {
      Object.defineProperty(fields, field, { value, enumerable: true, writable: true, configurable: true })
      continue
    }
    if (isDefaultValue(field, value)) continue
    return {
      ok: false,
      error: invalidRequest(`Parameter '${field}' is not forwarded to the model ${JSON.stringify(policy.logicalModel)} by this gateway's configuration.`, field, "unsupported_parameter"),
    }
  }
  return { ok: true, fields }
}
