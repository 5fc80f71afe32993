import { modelledResponseKeys } from "../wire/chat-completion.ts"

/**
 * The upstream's non-OpenAI top-level fields (Perplexity `citations`, Azure
 * `prompt_filter_results`, Groq `x_groq`, …), to forward unchanged; undefined when none.
 */
export function readUpstreamExtensions(body: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> | undefined {
  let extensions: Record<string, unknown> | undefined
  for (const [key, value] of Object.entries(body)) {
    if (modelledResponseKeys.has(key)) continue
    extensions ??= {}
    // defineProperty keeps a key named "__proto__" as data.
    Object.defineProperty(extensions, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return extensions
}
