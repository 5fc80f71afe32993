import type { GenerateChoiceResult, OutputRun, ToolCall } from "./types.ts"

/** A piece of an answer, in the order the upstream gave it. */
export type OutputSegment = { readonly kind: "reasoning" | "content" | "refusal"; readonly text: string } | { readonly kind: "toolCall"; readonly call: ToolCall }

type TextKind = "reasoning" | "content" | "refusal"
const TEXT_KINDS: readonly TextKind[] = ["reasoning", "content", "refusal"]

/**
 * The one order rule: an answer's pieces in the order the upstream gave them (the runs of
 * `sequence`), then whatever the runs do not cover in the default order (reasoning,
 * content, refusal, tool calls), which is the whole answer when there is no sequence. Runs
 * that do not fit the fields lose nothing: each character and each call comes out once.
 * Empty text is left out and adjacent text of one kind joined, as a stream's deltas flow.
 */
export function outputSequence(choice: GenerateChoiceResult): readonly OutputSegment[] {
  const texts: Record<TextKind, string> = { reasoning: choice.reasoning ?? "", content: choice.content ?? "", refusal: choice.refusal ?? "" }
  const taken: Record<TextKind, number> = { reasoning: 0, content: 0, refusal: 0 }
  const calls = choice.toolCalls ?? []
  const used = new Set<number>()
  const segments: OutputSegment[] = []
  const pushText = (kind: TextKind, text: string) => {
    if (text === "") return
    const last = segments[segments.length - 1]
    if (last !== undefined && last.kind === kind) segments[segments.length - 1] = { kind, text: last.text + text }
    else segments.push({ kind, text })
  }
  for (const run of choice.sequence ?? []) {
    switch (run.kind) {
      case "reasoning":
      case "content":
      case "refusal": {
        const from = taken[run.kind]
        const to = Math.min(texts[run.kind].length, from + Math.max(0, run.chars))
        pushText(run.kind, texts[run.kind].slice(from, to))
        taken[run.kind] = to
        break
      }
      case "toolCall": {
        const call = calls[run.position]
        if (call !== undefined && !used.has(run.position)) {
          used.add(run.position)
          segments.push({ kind: "toolCall", call })
        }
        break
      }
      default: {
        const unreachable: never = run
        return unreachable
      }
    }
  }
  for (const kind of TEXT_KINDS) pushText(kind, texts[kind].slice(taken[kind]))
  for (const [position, call] of calls.entries()) if (!used.has(position)) segments.push({ kind: "toolCall", call })
  return segments
}

/** The runs with one more at the end: text of the kind the last run has extends it, empty text and a repeated call add nothing. */
export function withRun(runs: readonly OutputRun[], run: OutputRun): readonly OutputRun[] {
  if (run.kind === "toolCall") return runs.some((r) => r.kind === "toolCall" && r.position === run.position) ? runs : [...runs, run]
  if (run.chars <= 0) return runs
  const last = runs[runs.length - 1]
  if (last === undefined || last.kind !== run.kind) return [...runs, run]
  return [...runs.slice(0, -1), { kind: run.kind, chars: last.chars + run.chars }]
}

const RANK: Record<OutputRun["kind"], number> = { reasoning: 0, content: 1, refusal: 2, toolCall: 3 }

/**
 * The runs when they say something the default order does not (see
 * GenerateChoiceResult.sequence), else undefined: an answer in the default order carries none.
 */
export function sequenceOf(runs: readonly OutputRun[]): readonly OutputRun[] | undefined {
  let position = -1
  for (const [i, run] of runs.entries()) {
    const before = runs[i - 1]
    if (before !== undefined && RANK[before.kind] > RANK[run.kind]) return runs
    if (before !== undefined && before.kind === run.kind && run.kind !== "toolCall") return runs
    if (run.kind === "toolCall") {
      if (run.position !== position + 1) return runs
      position = run.position
    }
  }
  return undefined
}
