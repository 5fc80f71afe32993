import type { Repair } from "../model/types.ts"
import type { UpstreamContent } from "../wire/chat-completion.ts"

export interface ReadContent {
  /** The text, or null when the upstream sent none (null, absent, or no text part). */
  readonly text: string | null
  /** Text of `thinking` parts (Mistral Magistral), in order. */
  readonly reasoning: string
  readonly unknownParts: readonly Readonly<Record<string, unknown>>[]
  readonly repaired: readonly Repair[]
}

const EMPTY: readonly never[] = []

/**
 * Upstream content, a string or an array of parts, to text and reasoning: `text` parts
 * are content, `thinking` parts (whose `thinking` is a string or an array of text
 * parts) are reasoning, and any other part is kept as it was (recorded as a repair),
 * never a failure.
 */
export function readContentParts(content: UpstreamContent | null | undefined): ReadContent {
  if (content === null || content === undefined) return { text: null, reasoning: "", unknownParts: EMPTY, repaired: EMPTY }
  if (typeof content === "string") return { text: content, reasoning: "", unknownParts: EMPTY, repaired: EMPTY }
  let text: string | null = null
  let reasoning = ""
  const unknownParts: Readonly<Record<string, unknown>>[] = []
  for (const part of content) {
    const type = part["type"]
    const partText = part["text"]
    if (type === "text" && typeof partText === "string") {
      text = (text ?? "") + partText
      continue
    }
    const thinking = type === "thinking" ? thinkingText(part["thinking"]) : undefined
    if (thinking !== undefined) reasoning += thinking
    else unknownParts.push(part)
  }
  return { text, reasoning, unknownParts, repaired: unknownParts.length > 0 ? ["unknown_content_part"] : EMPTY }
}

function thinkingText(thinking: unknown): string | undefined {
  if (typeof thinking === "string") return thinking
  if (!Array.isArray(thinking)) return undefined
  let out = ""
  for (const item of thinking) {
    if (typeof item !== "object" || item === null || !("text" in item) || typeof item.text !== "string") return undefined
    out += item.text
  }
  return out
}
