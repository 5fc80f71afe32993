import { collectChunk, collectedResult, GatewayFailure, initialCollectState, type GenerateChunk, type GenerateResult } from "@harper-gateway/translate"
import type { BackendContext, ChunkBatch } from "../src/backend.ts"
import { DEFAULT_RESPONSE_LIMITS, DEFAULT_TIMEOUTS, type UpstreamOptions } from "../src/backends/upstream-options.ts"

/** Transport options for a backend under test: the defaults, errors exposed. */
export const testUpstreamOptions = (baseUrl: string, apiKey: string | undefined): UpstreamOptions => ({
  baseUrl,
  apiKey,
  timeouts: DEFAULT_TIMEOUTS,
  ...DEFAULT_RESPONSE_LIMITS,
  exposeUpstreamErrors: true,
  exposeUpstreamOrganization: false,
})

/** A call's context that is never aborted. */
export const callContext = (): BackendContext => ({ signal: new AbortController().signal })

/** Every chunk of a stream of batches, in order. */
export async function collectChunks(stream: AsyncIterable<ChunkBatch>): Promise<GenerateChunk[]> {
  const chunks: GenerateChunk[] = []
  for await (const batch of stream) chunks.push(...batch)
  return chunks
}

/** A stream folded into what the non-streamed call would answer, by translate's one folding rule (tool calls joined by its accumulator). */
export async function collectResult(stream: AsyncIterable<ChunkBatch>): Promise<GenerateResult> {
  let state = initialCollectState
  for await (const batch of stream) for (const chunk of batch) state = collectChunk(state, chunk)
  const result = collectedResult(state)
  if (result === undefined) throw new Error("the stream did not fold into a result (a choice never finished, or the tool-call rule was broken)")
  return result
}

/** The gateway failure a call ended with (its reason and the detail kept for the operator), or none; `call` may also throw at once. */
export async function failureOf(call: Promise<unknown> | (() => Promise<unknown>)) {
  const error: unknown = await new Promise((resolve) => resolve(typeof call === "function" ? call() : call)).then(
    () => undefined,
    (failure: unknown) => failure,
  )
  return { reason: GatewayFailure.reasonOf(error), detail: GatewayFailure.detailOf(error) }
}
