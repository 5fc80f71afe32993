import type { ModelEntry } from "../model-config.ts"
import type { UpstreamTimeouts } from "./upstream-http.ts"

export const DEFAULT_TIMEOUTS = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000, bodyMs: 60_000, totalMs: 600_000 } as const

export const DEFAULT_RESPONSE_LIMITS = {
  maxChatResponseBytes: 16 * 1024 * 1024,
  // The largest legal answer, 2,048 inputs of 3,072 dimensions, as float JSON (the client's encoding is
  // asked for): up to ~32 bytes a number where the upstream prints doubles and indents (base64 needs 43 MiB).
  // Held as bytes (and parsed too when read the usual way); a float client's own answer is as large whatever the upstream sends.
  maxEmbeddingsResponseBytes: 2048 * 3072 * 32 + 1024 * 1024,
  maxErrorBytes: 64 * 1024,
} as const

/** What every HTTP backend takes from its config entry: where, with which key, its clocks and its read bounds. */
export interface UpstreamOptions {
  readonly baseUrl: string
  readonly apiKey: string | undefined
  readonly timeouts: UpstreamTimeouts
  /** Largest non-streamed chat answer read. */
  readonly maxChatResponseBytes: number
  /** Largest embeddings answer read. */
  readonly maxEmbeddingsResponseBytes: number
  /** Error bodies are read up to this and no further. */
  readonly maxErrorBytes: number
  /** Whether an upstream's error message reaches clients (redacted). */
  readonly exposeUpstreamErrors: boolean
  /** Whether the upstream's `openai-organization` answer header reaches clients (it names the operator's organization). */
  readonly exposeUpstreamOrganization: boolean
}

/** A config entry's transport options, each unset (or empty baseUrl) filled with its default. */
export function upstreamOptionsOf(entry: ModelEntry, defaultBaseUrl: string): UpstreamOptions {
  return {
    baseUrl: entry.baseUrl === undefined || entry.baseUrl === "" ? defaultBaseUrl : entry.baseUrl,
    apiKey: entry.apiKey,
    timeouts: {
      connectMs: entry.timeouts?.connectMs ?? DEFAULT_TIMEOUTS.connectMs,
      firstByteMs: entry.timeouts?.firstByteMs ?? DEFAULT_TIMEOUTS.firstByteMs,
      idleMs: entry.timeouts?.idleMs ?? DEFAULT_TIMEOUTS.idleMs,
      bodyMs: entry.timeouts?.bodyMs ?? DEFAULT_TIMEOUTS.bodyMs,
      totalMs: entry.timeouts?.totalMs ?? DEFAULT_TIMEOUTS.totalMs,
    },
    maxChatResponseBytes: entry.limits?.maxResponseBytes ?? DEFAULT_RESPONSE_LIMITS.maxChatResponseBytes,
    maxEmbeddingsResponseBytes: entry.limits?.maxResponseBytes ?? DEFAULT_RESPONSE_LIMITS.maxEmbeddingsResponseBytes,
    maxErrorBytes: entry.limits?.maxErrorBytes ?? DEFAULT_RESPONSE_LIMITS.maxErrorBytes,
    exposeUpstreamErrors: entry.exposeUpstreamErrors ?? true,
    exposeUpstreamOrganization: entry.exposeUpstreamOrganization ?? false,
  }
}

/** The header that carries the API key (`authorization: Bearer …`, `x-api-key: …`), none when the key is absent or empty. */
export function apiKeyHeader(apiKey: string | undefined, header: "authorization" | "x-api-key" | "x-goog-api-key"): Record<string, string> {
  if (apiKey === undefined || apiKey === "") return {}
  return { [header]: header === "authorization" ? `Bearer ${apiKey}` : apiKey }
}
