import fc from "fast-check"
import type { GenerateChoiceResult, GenerateChunk, GenerateResult, ToolCallDelta } from "../src/model/types.ts"
import { splits } from "./arbitraries.ts"

/**
 * A GenerateResult cut into the GenerateChunks a backend could have streamed for it:
 * per choice, reasoning, refusal and content in arbitrary pieces and in an arbitrary
 * interleaving, each tool call announced with its id and name then its arguments in
 * arbitrary fragments (calls interleaved, each call's own fragments in order),
 * logprobs and citations somewhere in between, neighbouring chunks sometimes merged
 * into one (content and tool deltas in one chunk), then the finish chunk; choices
 * (n > 1) interleaved with each other; usage and identity sometimes separately.
 */
export function streamedAs(result: GenerateResult): fc.Arbitrary<GenerateChunk[]> {
  const choices: { index: number; choice: GenerateChoiceResult }[] = [{ index: 0, choice: result }, ...(result.additionalChoices ?? []).map((choice) => ({ index: choice.index, choice }))]
  return fc
    .record({
      perChoice: fc.tuple(...choices.map(({ index, choice }) => choiceChunks(index, choice))),
      picks: fc.array(fc.nat({ max: choices.length - 1 }), { maxLength: 60 }),
      usageSeparate: fc.boolean(),
    })
    .map(({ perChoice, picks, usageSeparate }) => {
      const identity: GenerateChunk = {
        ...(result.systemFingerprint === undefined ? {} : { systemFingerprint: result.systemFingerprint }),
        ...(result.serviceTier === undefined ? {} : { serviceTier: result.serviceTier }),
      }
      const queues = perChoice.map((chunks) => [...chunks])
      const chunks: GenerateChunk[] = [identity, ...interleave(queues, picks)]
      if (result.usage !== undefined) {
        if (usageSeparate) chunks.push({ usage: result.usage })
        else {
          const last = chunks.pop()
          chunks.push({ ...last, usage: result.usage })
        }
      }
      return chunks
    })
}

function choiceChunks(index: number, choice: GenerateChoiceResult): fc.Arbitrary<GenerateChunk[]> {
  const calls = choice.toolCalls ?? []
  const tag: GenerateChunk = index === 0 ? {} : { choiceIndex: index }
  return fc
    .record({
      reasoning: splits(choice.reasoning ?? ""),
      refusal: splits(choice.refusal ?? ""),
      content: splits(choice.content ?? ""),
      args: fc.tuple(...calls.map((call) => splits(call.arguments))),
      textPicks: fc.array(fc.nat({ max: 2 }), { maxLength: 30 }),
      order: fc.array(fc.nat({ max: Math.max(0, calls.length - 1) }), { maxLength: 40 }),
      merges: fc.array(fc.boolean(), { maxLength: 40 }),
      extrasAt: fc.nat(),
    })
    .map(({ reasoning, refusal, content, args, textPicks, order, merges, extrasAt }) => {
      const text = interleave(
        [reasoning.map((piece): GenerateChunk => ({ deltaReasoning: piece })), refusal.map((piece): GenerateChunk => ({ deltaRefusal: piece })), content.map((piece): GenerateChunk => ({ deltaContent: piece }))],
        textPicks,
      )
      const queues: ToolCallDelta[][] = calls.map((call, i) => {
        const [first, ...rest] = args[i] ?? []
        const head: ToolCallDelta = first === undefined ? { index: i, id: call.id, name: call.name } : { index: i, id: call.id, name: call.name, argumentsDelta: first }
        return [head, ...rest.map((fragment) => ({ index: i, argumentsDelta: fragment }))]
      })
      const tools: GenerateChunk[] = []
      // Calls begin in index order (as upstreams announce them); fragments then interleave.
      for (const [i, queue] of queues.entries()) {
        const head = queue.shift()
        if (head !== undefined) tools.push({ deltaToolCalls: [head] })
        for (const pick of order) {
          if (pick > i) continue
          const next = queues[pick]?.shift()
          if (next !== undefined) tools.push({ deltaToolCalls: [next] })
        }
      }
      for (const queue of queues) for (const delta of queue) tools.push({ deltaToolCalls: [delta] })
      const body = [...text, ...tools]
      const extras: GenerateChunk = {
        ...(choice.logprobs === undefined ? {} : { logprobs: choice.logprobs }),
        ...(choice.annotations === undefined ? {} : { annotations: choice.annotations }),
      }
      if (Object.keys(extras).length > 0) body.splice(extrasAt % (body.length + 1), 0, extras)
      const merged = mergeNeighbours(body, merges)
      const finish: GenerateChunk = choice.rawFinishReason === undefined ? { finishReason: choice.finishReason } : { finishReason: choice.finishReason, rawFinishReason: choice.rawFinishReason }
      return [...merged, finish].map((chunk) => ({ ...tag, ...chunk }))
    })
}

/** Queues merged in the order the picks say (each queue's own order kept), then what is left. */
function interleave<T>(queues: T[][], picks: readonly number[]): T[] {
  const out: T[] = []
  for (const pick of picks) {
    const next = queues[pick % Math.max(1, queues.length)]?.shift()
    if (next !== undefined) out.push(next)
  }
  for (const queue of queues) out.push(...queue.splice(0))
  return out
}

/** Neighbouring chunks with no field in common, merged into one where the flag says so. */
function mergeNeighbours(chunks: readonly GenerateChunk[], flags: readonly boolean[]): GenerateChunk[] {
  const out: GenerateChunk[] = []
  for (const [i, chunk] of chunks.entries()) {
    const last = out[out.length - 1]
    if (last !== undefined && flags[i] === true && Object.keys(chunk).every((key) => !(key in last))) out[out.length - 1] = { ...last, ...chunk }
    else out.push(chunk)
  }
  return out
}
