import type { GenerateChoiceResult, GenerateChunk, GenerateResult } from "@harper-gateway/translate"

/**
 * Counts what a call produced (a stream's deltas as they pass, or an answer's text) for
 * the estimate of its completion tokens when the upstream reported none. `add` runs on
 * the stream's hot path, so it must stay cheap; `tokens` runs once, when the call ends.
 */
export interface OutputCounter {
  add(text: string): void
  tokens(): number
}

/** OpenAI's rule of thumb, for a service built without a tokenizer: about 4 characters a token. */
const CHARS_PER_TOKEN = 4

export function charOutputCounter(): OutputCounter {
  let chars = 0
  return {
    add: (text) => {
      chars += text.length
    },
    tokens: () => Math.ceil(chars / CHARS_PER_TOKEN),
  }
}

/** A stream chunk's output (every choice's): text, reasoning, refusal, tool names and arguments. */
export function countChunk(counter: OutputCounter, chunk: GenerateChunk): void {
  if (chunk.deltaContent !== undefined) counter.add(chunk.deltaContent)
  if (chunk.deltaReasoning !== undefined) counter.add(chunk.deltaReasoning)
  if (chunk.deltaRefusal !== undefined) counter.add(chunk.deltaRefusal)
  for (const call of chunk.deltaToolCalls ?? []) {
    if (call.name !== undefined) counter.add(call.name)
    if (call.argumentsDelta !== undefined) counter.add(call.argumentsDelta)
  }
}

/** A whole answer's output, every choice's. */
export function countAnswer(counter: OutputCounter, result: GenerateResult): void {
  for (const choice of [result, ...(result.additionalChoices ?? [])]) countChoice(counter, choice)
}

function countChoice(counter: OutputCounter, choice: GenerateChoiceResult): void {
  for (const text of [choice.content, choice.reasoning, choice.refusal]) if (text !== undefined && text !== null) counter.add(text)
  for (const call of choice.toolCalls ?? []) {
    counter.add(call.name)
    counter.add(call.arguments)
  }
}
