import fc from "fast-check"
import type { GenerateChunk, GenerateResult, ToolCallDelta } from "../src/model/types.ts"
import { splits } from "./arbitraries.ts"

/**
 * A GenerateResult cut into the GenerateChunks a backend could have streamed for it:
 * reasoning, refusal and content in arbitrary pieces, each tool call announced with
 * its id and name then its arguments in arbitrary fragments, calls interleaved in an
 * arbitrary order (each call's own fragments stay in order), then the finish chunk
 * and, sometimes separately, usage and identity.
 */
export function streamedAs(result: GenerateResult): fc.Arbitrary<GenerateChunk[]> {
  const calls = result.toolCalls ?? []
  return fc
    .record({
      reasoning: splits(result.reasoning ?? ""),
      refusal: splits(result.refusal ?? ""),
      content: splits(result.content),
      args: fc.tuple(...calls.map((call) => splits(call.arguments))),
      order: fc.array(fc.nat({ max: Math.max(0, calls.length - 1) }), { maxLength: 40 }),
      usageSeparate: fc.boolean(),
    })
    .map(({ reasoning, refusal, content, args, order, usageSeparate }) => {
      const chunks: GenerateChunk[] = []
      const identity: GenerateChunk = {
        ...(result.systemFingerprint === undefined ? {} : { systemFingerprint: result.systemFingerprint }),
        ...(result.serviceTier === undefined ? {} : { serviceTier: result.serviceTier }),
      }
      chunks.push(identity)
      for (const piece of reasoning) chunks.push({ deltaReasoning: piece })
      for (const piece of refusal) chunks.push({ deltaRefusal: piece })
      for (const piece of content) chunks.push({ deltaContent: piece })
      const queues: ToolCallDelta[][] = calls.map((call, index) => {
        const fragments = args[index] ?? []
        const [first, ...rest] = fragments
        const head: ToolCallDelta = first === undefined ? { index, id: call.id, name: call.name } : { index, id: call.id, name: call.name, argumentsDelta: first }
        return [head, ...rest.map((fragment) => ({ index, argumentsDelta: fragment }))]
      })
      // Calls begin in index order (as upstreams announce them); fragments then interleave.
      for (const [index, queue] of queues.entries()) {
        const head = queue.shift()
        if (head !== undefined) chunks.push({ deltaToolCalls: [head] })
        for (const pick of order) {
          if (pick > index) continue
          const next = queues[pick]?.shift()
          if (next !== undefined) chunks.push({ deltaToolCalls: [next] })
        }
      }
      for (const queue of queues) for (const delta of queue) chunks.push({ deltaToolCalls: [delta] })
      const finish: GenerateChunk = result.rawFinishReason === undefined
        ? { finishReason: result.finishReason }
        : { finishReason: result.finishReason, rawFinishReason: result.rawFinishReason }
      if (result.usage === undefined) chunks.push(finish)
      else if (usageSeparate) chunks.push(finish, { usage: result.usage })
      else chunks.push({ ...finish, usage: result.usage })
      return chunks
    })
}
