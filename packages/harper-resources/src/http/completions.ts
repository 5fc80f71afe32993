import { randomUUID } from "node:crypto"
import {
  decodeCompletionRequest,
  encodeCompletionStreamEvent,
  encodeSseData,
  GatewayFailure,
  initialCompletionStreamEncoderState,
  SSE_DONE,
  toCompletionResponse,
  toOpenAIError,
  type CompletionCall,
  type CompletionIdentity,
  type CompletionStreamOutput,
  type GatewayError,
  type StreamEncoderEvent,
} from "@harper-gateway/translate"
import { firstModelOf, type CallMeta, type ChunkBatch } from "@harper-gateway/models"
import { abortSignalOf } from "./abort-on-close.ts"
import { checkModelAllowed, modelOf, streamOf } from "./chat-completions.ts"
import { clientRetriesOf } from "./client-retries.ts"
import type { Gateway } from "./gateway.ts"
import { handleV1, readJsonBody } from "./handle-v1.ts"
import type { HarperRequest } from "./harper-request.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"
import { coalescedSse } from "./sse-stream.ts"

const ENDPOINT = "completions"

/**
 * POST /v1/completions (legacy text completions): validate, call, map, as chat does.
 * Served by OpenAI-compatible backends; a model on any other is a 400 (UnsupportedEndpoint).
 */
export function completions(gateway: Gateway, request: HarperRequest, data: unknown): Promise<HarperResponse> {
  return handleV1(gateway, request, ENDPOINT, async (principal) => {
    const meta: CallMeta = { tenant: principal.tenant, user: principal.user, endpoint: ENDPOINT, signal: abortSignalOf(request), keyId: principal.keyId ?? null, clientRetries: clientRetriesOf(request.headers) }
    const rejected = (error: GatewayError, model: string | null, streamed: boolean): HarperResponse => {
      gateway.models.recordRejection(meta, model, error, streamed)
      return errorResponse(error)
    }
    const read = await readJsonBody(request, data)
    if (!read.ok) return rejected(read.error, null, false)
    const decoded = decodeCompletionRequest(read.body)
    if (!decoded.ok) return rejected(decoded.error, modelOf(read.body), streamOf(read.body))
    const call = decoded.value
    const refused = checkModelAllowed(principal, call.model)
    if (refused !== undefined) return rejected(refused, call.model, call.stream)
    return call.stream ? stream(gateway, call, meta) : complete(gateway, call, meta)
  })
}

async function complete(gateway: Gateway, call: CompletionCall, meta: CallMeta): Promise<HarperResponse> {
  const { route, result, headers } = await gateway.models.completion(call, meta)
  const identity = newIdentity(result.model ?? route.upstreamModel)
  return jsonResponse(200, toCompletionResponse(result, identity), { ...headers, "x-request-id": identity.id })
}

/** The first chunk is awaited before the 200 is committed, so an early failure is an ordinary HTTP error (as chat's). */
async function stream(gateway: Gateway, call: CompletionCall, meta: CallMeta): Promise<HarperResponse> {
  const { route, first, rest, headers } = await gateway.models.openCompletionStream(call, meta)
  const identity = newIdentity(firstModelOf(first) ?? route.upstreamModel)
  return {
    status: 200,
    headers: { ...headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no", "x-request-id": identity.id },
    body: completionSseBody(first, rest, { identity, includeUsage: call.includeUsage }),
  }
}

/** The SSE bytes of a text completion stream: the encoder reducer's outputs, one `data:` event each; an error ends it without [DONE]. */
function completionSseBody(first: IteratorResult<ChunkBatch>, rest: AsyncIterator<ChunkBatch>, delivery: { readonly identity: CompletionIdentity; readonly includeUsage: boolean }): AsyncGenerator<string> {
  let state = initialCompletionStreamEncoderState(delivery.identity, delivery.includeUsage)
  const emit = (event: StreamEncoderEvent): string => {
    const [next, outputs] = encodeCompletionStreamEvent(state, event)
    state = next
    return outputs.map(toSse).join("")
  }
  return coalescedSse(first, rest, {
    chunk: (chunk) => emit({ type: "chunk", chunk }),
    end: () => emit({ type: "end" }),
    error: (error) => emit({ type: "error", error: GatewayFailure.reasonOf(error) ?? { _tag: "Internal" } }),
  })
}

function toSse(output: CompletionStreamOutput): string {
  switch (output.type) {
    case "chunk":
      return encodeSseData(output.chunk)
    case "done":
      return SSE_DONE
    case "error":
      return encodeSseData({ error: toOpenAIError(output.error).body.error })
    default: {
      const unreachable: never = output
      return unreachable
    }
  }
}

function newIdentity(model: string): CompletionIdentity {
  return { id: `cmpl-${randomUUID().replaceAll("-", "")}`, created: Math.floor(Date.now() / 1000), model }
}
