import type { Conversation, GenerateOpts } from "../model/types.ts"

/** A validated chat request: what to generate, how, and how the client wants it delivered. */
export interface ChatCall {
  readonly input: Conversation
  readonly opts: GenerateOpts & { readonly model: string }
  readonly stream: boolean
  /** `stream_options.include_usage`: send the usage chunk before `[DONE]`. */
  readonly includeUsage: boolean
  /**
   * Set by the models layer, per model, when its config's `extraFields` lists `cache_control`:
   * an OpenAI-compatible backend then sends parts' prompt-caching breakpoints as written
   * (some such upstreams honour them). Never taken from the client.
   */
  readonly forwardCacheControl?: true
}
