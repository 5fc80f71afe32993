import { randomUUID } from "node:crypto"
import {
  buildResponsesConversation,
  decodeResponsesRequest,
  decodeStoredItem,
  encodeResponseEventSse,
  encodeResponsesStreamEvent,
  GatewayFailure,
  initialResponsesStreamState,
  isReference,
  referencedItemIds,
  resolveItemReferences,
  toResponse,
  type ChatCall,
  type Conversation,
  type Outcome,
  type GatewayError,
  type ResponseIdentity,
  type ResponsesCall,
  type ResponsesHistory,
  type ResponsesStreamEvent,
  type ResponsesWire,
} from "@harper-gateway/translate"
import type { Principal } from "../auth/principal.ts"
import { firstModelOf, type CallMeta, type ChunkBatch } from "@harper-gateway/models"
import { itemsToSend, type WindowPolicy } from "../responses/fit-to-window.ts"
import { inputItemsPage } from "../responses/input-items-page.ts"
import { chainRefusal, historyTooLarge } from "../responses/history-refusal.ts"
import { itemsBytes, type ChainBounds, type ResponseStore, type StoredResponse } from "../responses/response-store.ts"
import { toStoredInputItem } from "../responses/stored-input-item.ts"
import { abortSignalOf } from "./abort-on-close.ts"
import { checkModelAllowed, modelOf, streamOf } from "./chat-completions.ts"
import { coalescedSse } from "./sse-stream.ts"
import type { Gateway } from "./gateway.ts"
import { handleV1, readJsonBody } from "./handle-v1.ts"
import type { HarperRequest } from "./harper-request.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"
import { clientRetriesOf } from "./client-retries.ts"

const ENDPOINT = "responses"

export interface ResponsesDeps {
  readonly store: ResponseStore
  /** What one request may rebuild from storage: `responses.maxChainDepth` responses, `responses.maxHistoryBytes` of items. */
  readonly bounds: ChainBounds
  /** The models' context windows, for `truncation: "auto"`. */
  readonly window: WindowPolicy
}

export const DEFAULT_MAX_CHAIN_DEPTH = 1_000
/** About the text of the largest context windows (a million tokens is some 4-8 MB of text). */
export const DEFAULT_MAX_HISTORY_BYTES = 8 * 1024 * 1024

/**
 * POST /v1/responses: validate, fetch what the request names from the tenant's store
 * (the `previous_response_id` chain, `item_reference`s), call the model through the
 * chat interface, map back, and store the Response with its input and output items
 * unless `store: false`. Streaming is decided by the body's `stream` only.
 */
export function createResponse(gateway: Gateway, deps: ResponsesDeps, request: HarperRequest, data: unknown): Promise<HarperResponse> {
  return handleV1(gateway, request, ENDPOINT, async (principal) => {
    const signal = abortSignalOf(request)
    const meta: CallMeta = { tenant: principal.tenant, user: principal.user, endpoint: ENDPOINT, signal, keyId: principal.keyId ?? null, clientRetries: clientRetriesOf(request.headers) }
    const read = await readJsonBody(request, data)
    if (!read.ok) return rejected(read.error, null, false)
    const decoded = decodeResponsesRequest(read.body)
    if (!decoded.ok) return rejected(decoded.error, modelOf(read.body), streamOf(read.body))
    const call = decoded.value
    const refused = checkModelAllowed(principal, call.opts.model)
    if (refused !== undefined) return rejected(refused, call.opts.model, call.stream)
    const id = `resp_${randomUUID().replaceAll("-", "")}`
    const loaded = await loadHistory(deps, principal.tenant, { call, responseId: id })
    if (!loaded.ok) return rejected(loaded.error, call.opts.model, call.stream)
    const { history, depth, bytes } = loaded.value
    const resolved = resolveItemReferences(call.input, history.referenced ?? new Map())
    if (!resolved.ok) return rejected(resolved.error, call.opts.model, call.stream)
    const input = resolved.value.map((item, index) => toStoredInputItem(item, id, index))
    // Measured as stored, so the figure stored for the next turn is the one checked here.
    const total = bytes + itemsBytes(input, deps.bounds.maxBytes - bytes)
    const fromStore = call.previousResponseId !== undefined || referencedItemIds(call.input).length > 0
    if (fromStore && total > deps.bounds.maxBytes) return rejected(historyTooLarge(deps.bounds.maxBytes, historyParam(call)), call.opts.model, call.stream)
    // Built once: every attempt (retries, fallbacks) sends this same conversation.
    const conversation = conversationToSend(call, { history, input: resolved.value }, deps.window)
    if (!conversation.ok) return rejected(conversation.error, call.opts.model, call.stream)
    const turn: Turn = {
      call,
      chatCall: { input: conversation.value, opts: call.opts, stream: call.stream, includeUsage: true },
      id,
      createdAt: Math.floor(Date.now() / 1000),
      save: (response) => (call.store ? deps.store.save(storedResponse(principal, call, { id, input, depth: depth + 1, bytes: total }, response)) : Promise.resolve()),
    }
    return call.stream ? stream(gateway, turn, meta) : complete(gateway, turn, meta)

    function rejected(error: GatewayError, model: string | null, streamed: boolean): HarperResponse {
      gateway.models.recordRejection(meta, model, error, streamed)
      return errorResponse(error)
    }
  })
}

/** The conversation as stored: the chain's items and this request's input, references resolved. */
interface StoredConversation {
  readonly history: ResponsesHistory
  readonly input: readonly ResponsesWire.ResponseItem[]
}

/**
 * What the model is sent: the whole conversation, built first so a bad item is named
 * where the client put it; under `truncation: "auto"`, rebuilt from the items that fit
 * the model's window. Only what goes upstream is cut: the stored input stays whole.
 */
function conversationToSend(call: ResponsesCall, { history, input }: StoredConversation, window: WindowPolicy): Outcome<Conversation> {
  const whole = buildResponsesConversation(call, history)
  if (!whole.ok) return whole
  const items = [...(history.previousItems ?? []), ...input]
  const fitted = itemsToSend(call, items, window)
  if (!fitted.ok) return fitted
  return fitted.value === items ? whole : buildResponsesConversation({ ...call, input: fitted.value })
}

interface Turn {
  readonly call: ResponsesCall
  readonly chatCall: ChatCall
  readonly id: string
  readonly createdAt: number
  readonly save: (response: ResponsesWire.ResponseOut) => Promise<void>
}

/** What a request rebuilds from storage: the history, and the depth and bytes of its chain (0 without one). */
interface Loaded {
  readonly history: ResponsesHistory
  readonly depth: number
  readonly bytes: number
}

/** The request whose history is loaded, and the id its response will have (its own input items' ids derive from it). */
interface HistoryRequest {
  readonly call: ResponsesCall
  readonly responseId: string
}

/** What brought in a conversation over the byte bound: the chain if there is one, else the input's references. */
function historyParam(call: ResponsesCall): "previous_response_id" | "input" {
  return call.previousResponseId === undefined ? "input" : "previous_response_id"
}

/**
 * The stored items a request names, each read with the caller's tenant (another tenant's
 * are as missing as absent ones), within the bounds: a chain past them is refused
 * before the rest of it is read, and references get what the chain and the request's
 * own input items leave of `maxBytes`, refused once past it (never all read first).
 */
async function loadHistory(deps: ResponsesDeps, tenant: string, { call, responseId }: HistoryRequest): Promise<{ ok: true; value: Loaded } | { ok: false; error: GatewayError }> {
  let previousItems: ResponsesWire.ResponseItem[] | undefined
  let depth = 0
  let bytes = 0
  if (call.previousResponseId !== undefined) {
    const chain = await deps.store.chain(tenant, call.previousResponseId, deps.bounds)
    if (chain.kind !== "found") return { ok: false, error: chainRefusal(chain, call.previousResponseId, deps.bounds) }
    previousItems = []
    for (const raw of chain.items) {
      const item = decodeStoredItem(raw)
      // A stored row the gateway cannot read back is its own fault, not the client's.
      if (!item.ok) return { ok: false, error: { _tag: "Internal", detail: `stored item in the chain of ${call.previousResponseId} unreadable: ${item.error._tag}` } }
      previousItems.push(item.value)
    }
    depth = chain.depth
    bytes = chain.bytes
  }
  // Every reference, repeats included: each counts the item's bytes again.
  const ids = call.input.filter(isReference).map((reference) => reference.id)
  const referenced = new Map<string, ResponsesWire.ResponseItem>()
  if (ids.length > 0) {
    const read = await deps.store.items(tenant, ids, deps.bounds.maxBytes - bytes - ownInputBytes(call, responseId))
    if (read.kind === "too_large") return { ok: false, error: historyTooLarge(deps.bounds.maxBytes, historyParam(call)) }
    for (const [id, raw] of read.items) {
      const item = decodeStoredItem(raw)
      if (item.ok) referenced.set(id, item.value)
    }
  }
  const history: ResponsesHistory = previousItems === undefined ? { referenced } : { previousItems, referenced }
  return { ok: true, value: { history, depth, bytes } }
}

/** The bytes of the request's own (not referenced) input items as they will be stored, at their places in the input. */
function ownInputBytes(call: ResponsesCall, responseId: string): number {
  let bytes = 0
  for (const [index, item] of call.input.entries()) if (!isReference(item)) bytes += itemsBytes([toStoredInputItem(item, responseId, index)])
  return bytes
}

/** The turn being stored: its id, its input items as stored, its chain's depth and the bytes of its chain with this input. */
interface TurnRecord {
  readonly id: string
  readonly input: readonly unknown[]
  readonly depth: number
  readonly bytes: number
}

function storedResponse(principal: Principal, call: ResponsesCall, turn: TurnRecord, response: ResponsesWire.ResponseOut): StoredResponse {
  return {
    id: turn.id,
    tenant: principal.tenant,
    created: Date.now(),
    previousResponseId: call.previousResponseId ?? null,
    response,
    inputItems: turn.input,
    outputItems: response.output,
    depth: turn.depth,
    historyBytes: turn.bytes + itemsBytes(response.output),
  }
}

async function complete(gateway: Gateway, turn: Turn, meta: CallMeta): Promise<HarperResponse> {
  const { route, result, headers } = await gateway.models.chat(turn.chatCall, meta)
  const identity: ResponseIdentity = { id: turn.id, createdAt: turn.createdAt, model: result.model ?? route.upstreamModel }
  const response = toResponse(result, turn.call, identity, Math.floor(Date.now() / 1000))
  await saveOrLog(turn, response, gateway.logError)
  return jsonResponse(200, response, { ...headers, "x-request-id": turn.id })
}

/**
 * Stores a finished Response. A store that fails does not take the answer from the
 * client: the model has answered and the call is billed, and a 500 would make SDKs
 * retry it (a second bill). The response cannot be retrieved or continued then; the
 * failure is logged for the operator.
 */
async function saveOrLog(turn: Turn, response: ResponsesWire.ResponseOut, logError: Gateway["logError"]): Promise<void> {
  try {
    await turn.save(response)
  } catch (error) {
    logError("gateway responses: storing a response failed", error)
  }
}

/** As for chat: the first chunk is awaited before the 200 is committed, so early errors stay plain HTTP errors. */
async function stream(gateway: Gateway, turn: Turn, meta: CallMeta): Promise<HarperResponse> {
  const { route, first, rest, headers } = await gateway.models.openChatStream(turn.chatCall, meta)
  const identity: ResponseIdentity = { id: turn.id, createdAt: turn.createdAt, model: firstModelOf(first) ?? route.upstreamModel }
  return {
    status: 200,
    headers: { ...headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no", "x-request-id": turn.id },
    body: responsesSseBody(first, rest, identity, turn, gateway.logError),
  }
}

/**
 * The SSE bytes: the Responses reducer's events, one write per upstream read as chat's
 * body is (the first leaves at once). The final event carries the whole
 * Response; it is stored before that event is sent, so a client that retrieves or
 * continues right after the stream finds it. A client that leaves stops the upstream
 * (and nothing is stored).
 */
function responsesSseBody(first: IteratorResult<ChunkBatch>, iterator: AsyncIterator<ChunkBatch>, identity: ResponseIdentity, turn: Turn, logError: Gateway["logError"]): AsyncGenerator<string> {
  let state = initialResponsesStreamState(identity, turn.call)
  let final: ResponsesWire.ResponseOut | undefined
  const emit = (event: ResponsesStreamEvent): string => {
    const [next, outputs] = encodeResponsesStreamEvent(state, event)
    state = next
    let text = ""
    for (const output of outputs) {
      // `start` comes first, so the reducer has always sent something and never answers `refused` here.
      if (output.type !== "event") continue
      const event = output.event
      if (event.type === "response.completed" || event.type === "response.incomplete" || event.type === "response.failed") final = event.response
      text += encodeResponseEventSse(event)
    }
    return text
  }
  return coalescedSse(first, iterator, {
    head: () => emit({ type: "start" }),
    chunk: (chunk) => emit({ type: "chunk", chunk }),
    end: () => emit({ type: "end", completedAt: Math.floor(Date.now() / 1000) }),
    error: (error) => {
      const reason = GatewayFailure.reasonOf(error) ?? { _tag: "Internal" }
      const text = emit({ type: "error", error: reason })
      // The client left: there is nobody to tell, and nothing worth keeping (emit has just set `final` to the failed response).
      if (reason._tag === "Cancelled") final = undefined
      return text
    },
    // Stored before the final event leaves, so a client that retrieves or continues right after finds it.
    async beforeLast() {
      if (final !== undefined) await saveOrLog(turn, final, logError)
    },
  })
}

/**
 * GET /v1/responses/{id}, DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items
 * and POST /v1/responses/{id}/cancel, all within the caller's tenant: another tenant's
 * response is a 404, as an absent one is.
 */
export function storedResponseRequest(gateway: Gateway, deps: ResponsesDeps, request: HarperRequest, pathname: string): Promise<HarperResponse> {
  return handleV1(gateway, request, ENDPOINT, async (principal) => {
    const target = parseTarget(pathname)
    if (target === undefined) return errorResponse({ _tag: "NotFound", method: request.method, path: request.pathname })
    const found = await deps.store.get(principal.tenant, target.id)
    if (found === undefined) return errorResponse(responseNotFound(target.id))
    const action = `${request.method} ${target.sub}`
    switch (action) {
      case "GET ":
        if (queryOf(request).get("stream") === "true") {
          return errorResponse({ _tag: "InvalidRequest", message: "Only background responses can be streamed again; this gateway answers every response synchronously.", param: "stream", code: "unsupported_value" })
        }
        return jsonResponse(200, found.response)
      case "DELETE ":
        await deps.store.delete(principal.tenant, target.id)
        return jsonResponse(200, { id: target.id, object: "response", deleted: true })
      case "GET input_items": {
        const page = inputItemsPage(found.inputItems, queryOf(request))
        return page.ok ? jsonResponse(200, page.list) : errorResponse(page.error)
      }
      case "POST cancel":
        // OpenAI's answer for a response that was not created with background: true (this gateway has no background mode).
        return errorResponse({ _tag: "InvalidRequest", message: "Cannot cancel a synchronous response.", param: null, code: null })
      default:
        return errorResponse({ _tag: "NotFound", method: request.method, path: request.pathname })
    }
  })
}

function responseNotFound(id: string): GatewayError {
  return { _tag: "InvalidRequest", message: `Response with id '${id}' not found.`, param: null, code: null, status: 404 }
}

/** `/resp_1`, `/resp_1/input_items`, `/resp_1/cancel` (percent-decoded), or undefined. */
function parseTarget(pathname: string): { readonly id: string; readonly sub: "" | "input_items" | "cancel" } | undefined {
  const match = /^\/*([^/]+)(?:\/(input_items|cancel))?\/*$/.exec(pathname)
  const raw = match?.[1]
  if (raw === undefined) return undefined
  let id: string
  try {
    id = decodeURIComponent(raw)
  } catch {
    return undefined
  }
  const sub = match?.[2]
  return { id, sub: sub === "input_items" || sub === "cancel" ? sub : "" }
}

function queryOf(request: HarperRequest): URLSearchParams {
  const url: unknown = Reflect.get(request, "url")
  return new URL(typeof url === "string" ? url : "/", "http://gateway").searchParams
}
