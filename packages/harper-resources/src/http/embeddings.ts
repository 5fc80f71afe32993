import { decodeEmbeddingsRequest, encodeEmbeddingsResponse, toEmbeddingsResponse, type GatewayError } from "@harper-gateway/translate"
import { abortSignalOf } from "./abort-on-close.ts"
import { checkModelAllowed, modelOf } from "./chat-completions.ts"
import type { Gateway } from "./gateway.ts"
import { handleV1, readJsonBody } from "./handle-v1.ts"
import type { HarperRequest } from "./harper-request.ts"
import { errorResponse, jsonTextResponse, type HarperResponse } from "./respond.ts"
import { clientRetriesOf } from "./client-retries.ts"

const ENDPOINT = "embeddings"

/** POST /v1/embeddings: strings, string arrays and token arrays; float or base64; `dimensions`; input order kept. */
export function embeddings(gateway: Gateway, request: HarperRequest, data: unknown): Promise<HarperResponse> {
  return handleV1(gateway, request, ENDPOINT, async (principal) => {
    const meta = { tenant: principal.tenant, user: principal.user, endpoint: ENDPOINT, signal: abortSignalOf(request), keyId: principal.keyId ?? null, clientRetries: clientRetriesOf(request.headers) }
    const rejected = (error: GatewayError, model: string | null): HarperResponse => {
      gateway.models.recordRejection(meta, model, error, false)
      return errorResponse(error)
    }
    const read = await readJsonBody(request, data)
    if (!read.ok) return rejected(read.error, null)
    const decoded = decodeEmbeddingsRequest(read.body)
    if (!decoded.ok) return rejected(decoded.error, modelOf(read.body))
    const call = decoded.value
    const refused = checkModelAllowed(principal, call.opts.model)
    if (refused !== undefined) return rejected(refused, call.opts.model)
    const { route, result, headers } = await gateway.models.embedCall(call, meta)
    return jsonTextResponse(200, encodeEmbeddingsResponse(toEmbeddingsResponse(result, result.model ?? route.upstreamModel, call.encodingFormat)), headers)
  })
}
