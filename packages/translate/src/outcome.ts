import type { GatewayError } from "./errors/gateway-error.ts"

/** The result of a validating mapper: a value, or the reason the input was refused. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GatewayError }

export const succeed = <T>(value: T): Outcome<T> => ({ ok: true, value })
export const fail = <T = never>(error: GatewayError): Outcome<T> => ({ ok: false, error })
