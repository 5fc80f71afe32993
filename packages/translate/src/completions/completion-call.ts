import type { CompletionRequest } from "../wire/completions.ts"

/** The official fields a text completion forwards as sent (completions/field-dispositions.ts): all but model, stream and stream_options. */
export type CompletionFields = Omit<CompletionRequest, "model" | "stream" | "stream_options">

/** A validated `/v1/completions` request: what to send, to which model, and how the client wants it delivered. */
export interface CompletionCall {
  /** Logical model name as the client asked for it; the models layer sets each deployment's upstream id. */
  readonly model: string
  readonly fields: CompletionFields
  readonly stream: boolean
  /** `stream_options.include_usage`: send the usage chunk before `[DONE]`. */
  readonly includeUsage: boolean
  /** Provider extension fields (not OpenAI's), for the model's forwarding policy (`extraFields`) to allow or refuse. */
  readonly passthrough?: Readonly<Record<string, unknown>>
}
