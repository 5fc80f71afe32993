import type { Schema } from "effect"

/**
 * What the gateway does with one request field (the kinds of every disposition table:
 * chat's, Responses'): supported, passed through (type-checked), accepted and ignored,
 * or rejected with a 400 naming it.
 */
export type FieldDisposition =
  | {
      readonly kind: "supported"
      readonly note: string
      /** When set, only these values (deep-equal, null always allowed) are accepted. */
      readonly only?: readonly unknown[]
      readonly onlyMessage?: string
    }
  | { readonly kind: "passthrough"; readonly note: string; readonly schema: Schema.ConstraintDecoder<unknown> }
  | { readonly kind: "ignored"; readonly note: string }
  | { readonly kind: "rejected"; readonly note: string }

export const supported = (note: string, only?: readonly unknown[], onlyMessage?: string): FieldDisposition => (only === undefined || onlyMessage === undefined ? { kind: "supported", note } : { kind: "supported", note, only, onlyMessage })
export const passthrough = (note: string, schema: Schema.ConstraintDecoder<unknown>): FieldDisposition => ({ kind: "passthrough", note, schema })
export const rejected = (note: string): FieldDisposition => ({ kind: "rejected", note })
export const ignored = (note: string): FieldDisposition => ({ kind: "ignored", note })
