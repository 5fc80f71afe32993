import type { GenerateOpts, ToolDef } from "../model/types.ts"
import type { InputItem } from "../wire/responses-request.ts"
import type { ResponseEcho } from "../wire/responses-out.ts"

/**
 * A validated /v1/responses request. `input` is the client's items as sent, item
 * references and all: resolving them (and `previousResponseId`) needs storage, so the
 * caller fetches what they name and calls `buildResponsesConversation`.
 */
export interface ResponsesCall {
  readonly input: readonly InputItem[]
  readonly instructions: string | undefined
  readonly tools: readonly ToolDef[]
  readonly opts: GenerateOpts & { readonly model: string }
  readonly stream: boolean
  /** Default true, as in OpenAI. */
  readonly store: boolean
  readonly previousResponseId: string | undefined
  /** `auto`: the caller fits the conversation to the model's context window (truncate-conversation.ts) before calling it. */
  readonly truncation: "auto" | "disabled"
  /** How reasoning text is sent: as a summary when the client asked for one (`reasoning.summary`), else as raw `reasoning_text`. */
  readonly reasoningOutput: "summary" | "text"
  /** The request fields the Response object echoes. */
  readonly echo: ResponseEcho
}
