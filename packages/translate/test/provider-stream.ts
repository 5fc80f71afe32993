import { collectChunk, collectedResult, initialCollectState } from "../src/chat/collect-generate-result.ts"
import type { StreamDecoderOutput } from "../src/chat/stream-decoder.ts"
import type { GenerateResult } from "../src/model/types.ts"
import type { Outcome } from "../src/outcome.ts"

/** Runs a provider's stream reducer over its events and gathers every output. */
export function runReducer<S, E>(initial: S, step: (state: S, event: E) => readonly [S, readonly StreamDecoderOutput[]], events: Iterable<E>): StreamDecoderOutput[] {
  let state = initial
  const outputs: StreamDecoderOutput[] = []
  for (const event of events) {
    const [next, out] = step(state, event)
    state = next
    outputs.push(...out)
  }
  return outputs
}

/** A decoded stream folded into the result it stands for; an error output or an unfinished stream fails the test. */
export function fold(outputs: readonly StreamDecoderOutput[]): GenerateResult {
  let state = initialCollectState
  for (const output of outputs) {
    if (output.type === "error") throw new Error(JSON.stringify(output.error))
    state = collectChunk(state, output.chunk)
  }
  const result = collectedResult(state)
  if (result === undefined) throw new Error("the stream did not finish")
  return result
}

/** The value of an outcome the test expects to succeed. */
export function successOf<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
  return outcome.value
}
