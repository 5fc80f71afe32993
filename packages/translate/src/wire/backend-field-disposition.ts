import type { GatewayError } from "../errors/gateway-error.ts"
import type { GenerateOpts } from "../model/types.ts"
import { unsupportedByProvider } from "./json-object.ts"

/**
 * What a native backend (anthropic, gemini, ollama) does with one GenerateOpts field
 * (the chat table says where each OpenAI request field lands in GenerateOpts):
 * supported (mapped to the provider's field), ignored (accepted and dropped, said why),
 * refused (a 400 naming the client's wire field unless set to its neutral value), or
 * facade (an option the facade or transport reads, not a request field).
 */
export type BackendFieldDisposition =
  | { readonly kind: "supported"; readonly note: string }
  | { readonly kind: "ignored"; readonly note: string }
  | { readonly kind: "refused"; readonly param: string; readonly note: string; readonly neutral: (value: unknown) => boolean }
  | { readonly kind: "facade"; readonly note: string }

/** One row per GenerateOpts field: the compiler checks none is missing. */
export type BackendFieldDispositions = Readonly<Record<keyof GenerateOpts, BackendFieldDisposition>>

export const backendSupported = (note: string): BackendFieldDisposition => ({ kind: "supported", note })
export const backendIgnored = (note: string): BackendFieldDisposition => ({ kind: "ignored", note })
export const backendFacade = (note: string): BackendFieldDisposition => ({ kind: "facade", note })
export const backendRefused = (param: string, note: string, neutral: (value: unknown) => boolean = () => false): BackendFieldDisposition => ({ kind: "refused", param, note, neutral })

/** The GenerateOpts fields no provider request carries (the facade or the transport reads them): the same rows in every backend's table. */
export const facadeOptionRows = {
  signal: backendFacade("cancellation, used by the backend's transport"),
  requires: backendFacade("Harper 5 facade option, read by routing"),
  adapter: backendFacade("Harper 5 facade option, read by routing"),
  toolMode: backendFacade("Harper 5 facade option, read by the facade"),
  conversationId: backendFacade("Harper 5 facade option, read by the facade"),
} as const satisfies Partial<BackendFieldDispositions>

/**
 * The first option a backend cannot honour, as the 400 a client gets (undefined when all
 * can be): a refused field set to a non-neutral value, or a passthrough field (an
 * OpenAI-compatible extension) set to anything but null that the backend does not take.
 */
export function refusedBackendOption(backend: string, table: BackendFieldDispositions, passthroughFields: ReadonlySet<string>, opts: GenerateOpts): GatewayError | undefined {
  for (const [field, disposition] of Object.entries(table)) {
    if (disposition.kind !== "refused") continue
    const value: unknown = Object.entries(opts).find(([key]) => key === field)?.[1]
    if (value === undefined || value === null || disposition.neutral(value)) continue
    return unsupportedByProvider(disposition.param, `The ${backend} backend does not support '${disposition.param}': ${disposition.note}.`)
  }
  for (const [key, value] of Object.entries(opts.passthrough ?? {})) {
    // A null asks for what omitting the field gives: nothing to refuse (and nothing a backend sends).
    if (value === null) continue
    if (!passthroughFields.has(key)) return unsupportedByProvider(key, `The ${backend} backend does not support '${key}'.`)
  }
  return undefined
}
