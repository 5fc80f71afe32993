import type { UsageOut } from "./usage.ts"

/** Exactly what the gateway sends for a non-streamed chat completion (validated against the official spec in tests). */
export interface ChatCompletionOut {
  readonly id: string
  readonly object: "chat.completion"
  readonly created: number
  readonly model: string
  readonly choices: readonly [
    {
      readonly index: 0
      readonly message: {
        readonly role: "assistant"
        readonly content: string | null
        readonly refusal: string | null
        readonly tool_calls?: readonly {
          readonly id: string
          readonly type: "function"
          readonly function: { readonly name: string; readonly arguments: string }
        }[]
        /** Provider extension (DeepSeek, xAI), kept when the backend returned reasoning. */
        readonly reasoning_content?: string
      }
      readonly logprobs: null
      readonly finish_reason: string
    },
  ]
  readonly usage?: UsageOut
  readonly system_fingerprint?: string
  readonly service_tier?: string
}
