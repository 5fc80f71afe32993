import { randomUUID } from "node:crypto"
import {
  createChunkSseEncoder,
  decodeChatRequest,
  encodeSseData,
  encodeStreamEvent,
  GatewayFailure,
  initialStreamEncoderState,
  SSE_DONE,
  toChatCompletion,
  toOpenAIError,
  type ChatCall,
  type CompletionIdentity,
  type GatewayError,
  type StreamEncoderEvent,
  type StreamEncoderOutput,
} from "@harper-gateway/translate"
import { firstModelOf, type CallMeta, type ChunkBatch } from "@harper-gateway/models"
import type { Principal } from "../auth/principal.ts"
import { abortSignalOf } from "./abort-on-close.ts"
import { coalescedSse } from "./sse-stream.ts"
import type { Gateway } from "./gateway.ts"
import { handleV1, readJsonBody } from "./handle-v1.ts"
import type { HarperRequest } from "./harper-request.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"
import { clientRetriesOf } from "./client-retries.ts"

const ENDPOINT = "chat.completions"

/** POST /v1/chat/completions: validate, call, map. Streaming is decided by the body's `stream` only. */
export function chatCompletions(gateway: Gateway, request: HarperRequest, data: unknown): Promise<HarperResponse> {
  return handleV1(gateway, request, ENDPOINT, async (principal) => {
    const signal = abortSignalOf(request)
    const meta: CallMeta = { tenant: principal.tenant, user: principal.user, endpoint: ENDPOINT, signal, keyId: principal.keyId ?? null, clientRetries: clientRetriesOf(request.headers) }
    const read = await readJsonBody(request, data)
    if (!read.ok) return rejected(read.error, null, false)
    const decoded = decodeChatRequest(read.body)
    if (!decoded.ok) return rejected(decoded.error, modelOf(read.body), streamOf(read.body))
    const call = decoded.value
    const refused = checkModelAllowed(principal, call.opts.model)
    if (refused !== undefined) return rejected(refused, call.opts.model, call.stream)
    return call.stream ? stream(gateway, call, meta) : complete(gateway, call, meta)

    function rejected(error: GatewayError, model: string | null, streamed: boolean): HarperResponse {
      gateway.models.recordRejection(meta, model, error, streamed)
      return errorResponse(error)
    }
  })
}

async function complete(gateway: Gateway, call: ChatCall, meta: CallMeta): Promise<HarperResponse> {
  const { route, result, headers } = await gateway.models.chat(call, meta)
  const identity = newIdentity(result.model ?? route.upstreamModel)
  return jsonResponse(200, toChatCompletion(result, identity), { ...headers, "x-request-id": identity.id })
}

/**
 * Errors before the first chunk are ordinary HTTP errors (a 429 stays a 429, and
 * clients retry it), so the first chunk is awaited before the 200 is committed.
 */
async function stream(gateway: Gateway, call: ChatCall, meta: CallMeta): Promise<HarperResponse> {
  const { route, first, rest, headers } = await gateway.models.openChatStream(call, meta)
  const identity = newIdentity(firstModelOf(first) ?? route.upstreamModel)
  return {
    status: 200,
    headers: { ...headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no", "x-request-id": identity.id },
    body: sseBody(first, rest, identity, call.includeUsage),
  }
}

/** Chat's SSE bytes: the encoder reducer's outputs, one `data:` event each; an error ends the stream without [DONE]. */
export function sseBody(first: IteratorResult<ChunkBatch>, iterator: AsyncIterator<ChunkBatch>, identity: CompletionIdentity, includeUsage: boolean): AsyncGenerator<string> {
  let state = initialStreamEncoderState(identity, includeUsage)
  const encodeChunk = createChunkSseEncoder()
  const emit = (event: StreamEncoderEvent): string => {
    const [next, outputs] = encodeStreamEvent(state, event)
    state = next
    let sse = ""
    for (const output of outputs) sse += toSse(output, encodeChunk)
    return sse
  }
  return coalescedSse(first, iterator, {
    chunk: (chunk) => emit({ type: "chunk", chunk }),
    end: () => emit({ type: "end" }),
    error: (error) => emit({ type: "error", error: GatewayFailure.reasonOf(error) ?? { _tag: "Internal" } }),
  })
}

function toSse(output: StreamEncoderOutput, encodeChunk: (chunk: object) => string): string {
  switch (output.type) {
    case "chunk":
      return encodeChunk(output.chunk)
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

export function newIdentity(model: string): CompletionIdentity {
  return { id: `chatcmpl-${randomUUID().replaceAll("-", "")}`, created: Math.floor(Date.now() / 1000), model }
}

export function checkModelAllowed(principal: Principal, model: string): GatewayError | undefined {
  if (principal.allowedModels === undefined || principal.allowedModels.includes(model)) return undefined
  return { _tag: "PermissionDenied", message: `This API key may not use the model ${JSON.stringify(model)}.` }
}

export function modelOf(body: unknown): string | null {
  return typeof body === "object" && body !== null && "model" in body && typeof body.model === "string" ? body.model : null
}

export function streamOf(body: unknown): boolean {
  return typeof body === "object" && body !== null && "stream" in body && body.stream === true
}
