import { withRun } from "../model/output-sequence.ts"
import type { OutputRun, Repair } from "../model/types.ts"
import type { UpstreamContent } from "../wire/chat-completion.ts"

export interface ReadContent {
  /** The text, or null when the upstream sent none (null, absent, or no text part). */
  readonly text: string | null
  /** Text of `thinking` parts (Mistral Magistral), in order. */
  readonly reasoning: string
  /** The order of the text and thinking parts (see GenerateChoiceResult.sequence). */
  readonly runs: readonly OutputRun[]
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
  if (content === null || content === undefined) return { text: null, reasoning: "", runs: EMPTY, unknownParts: EMPTY, repaired: EMPTY }
  if (typeof content === "string") return { text: content, reasoning: "", runs: EMPTY, unknownParts: EMPTY, repaired: EMPTY }
  let text: string | null = null
  let reasoning = ""
  let runs: readonly OutputRun[] = EMPTY
  const unknownParts: Readonly<Record<string, unknown>>[] = []
  for (const part of content) {
    const type = part["type"]
    const partText = part["text"]
    if (type === "text" && typeof partText === "string") {
      text = (text ?? "") + partText
      runs = withRun(runs, { kind: "content", chars: partText.length })
      continue
    }
    const thinking = type === "thinking" ? thinkingText(part["thinking"]) : undefined
    if (thinking !== undefined) {
      reasoning += thinking
      runs = withRun(runs, { kind: "reasoning", chars: thinking.length })
    } else unknownParts.push(part)
  }
  return { text, reasoning, runs, unknownParts, repaired: unknownParts.length > 0 ? ["unknown_content_part"] : EMPTY }
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
