import {
  ANTHROPIC_VERSION,
  decodeAnthropicStreamEvent,
  encodeMessagesRequest,
  anthropicErrorBodyStatus,
  fromAnthropicError,
  fromMessagesResponse,
  GatewayFailure,
  initialAnthropicStreamState,
  type AnthropicRequestOptions,
  type ChatCall,
  type EmbedCall,
  type EmbedResult,
  type GenerateResult,
  type ThinkingBlock,
} from "@harper-gateway/translate"
import type { AnsweredBatch, BackendContext, EmbeddingBackend, GenerativeBackend } from "../backend.ts"
import type { ThinkingBlockStore } from "./thinking-block-store.ts"
import { createUpstreamHttp, reducerDecode, SSE_FRAMING } from "./upstream-http.ts"
import { apiKeyHeader, type UpstreamOptions } from "./upstream-options.ts"

export const ANTHROPIC_DEFAULTS = {
  baseUrl: "https://api.anthropic.com",
  version: ANTHROPIC_VERSION,
  /** The API requires max_tokens; this is sent when the client set no limit. */
  defaultMaxTokens: 4096,
} as const

/** `baseUrl` is without `/v1` (the path `/v1/messages` is added), as Anthropic's SDKs take it. No embeddings, so no embeddings bound. */
export interface AnthropicBackendOptions extends Omit<UpstreamOptions, "maxEmbeddingsResponseBytes"> {
  /** The `anthropic-version` header. */
  readonly version: string
  /** `anthropic-beta` header values, when the operator opts into beta features. */
  readonly betas: readonly string[]
  readonly request: AnthropicRequestOptions
  /** Where the signed thinking of tool-calling answers waits for the client's next turn (see thinking-block-store.ts). */
  readonly thinkingStore: ThinkingBlockStore
  readonly now: () => number
}

/**
 * The Anthropic Messages API (`POST {baseUrl}/v1/messages`) over the shared upstream
 * transport: translate's encoder (its field table refuses what the API cannot take,
 * with a 400 naming the field before anything is sent), response and stream decoders,
 * and error mapper (overloaded 529 is a retryable 503 with the upstream's retry-after).
 * Generative only: Anthropic has no embeddings API, and the registry refuses to build
 * an embedding model on this backend.
 */
export function createAnthropicBackend(options: AnthropicBackendOptions): GenerativeBackend & EmbeddingBackend {
  const headers: Record<string, string> = { "anthropic-version": options.version, ...apiKeyHeader(options.apiKey, "x-api-key") }
  if (options.betas.length > 0) headers["anthropic-beta"] = options.betas.join(",")
  const http = createUpstreamHttp({
    ...options,
    headers,
    errorOf: (answer) => fromAnthropicError(answer, options.now(), { exposeMessage: options.exposeUpstreamErrors }),
    errorStatusOf: anthropicErrorBodyStatus,
  })

  /** The request body, with the signed thinking an unmodified client dropped put back where the API needs it. */
  const encode = (call: ChatCall, stream: boolean) => {
    const thinking = call.opts.reasoningEffort !== undefined && call.opts.reasoningEffort !== "none"
    // Only with thinking on: that is when the API needs a tool-use turn's blocks back.
    const messages = thinking ? options.thinkingStore.restore(call.input.messages) : call.input.messages
    const encoded = encodeMessagesRequest({ ...call, input: { ...call.input, messages }, stream }, options.request)
    if (!encoded.ok) throw new GatewayFailure(encoded.error)
    return encoded.value
  }

  return {
    name: "anthropic",
    async generate(call: ChatCall, context: BackendContext): Promise<GenerateResult> {
      const { body, structuredOutputTool } = encode(call, false)
      const decodeOptions = structuredOutputTool === undefined ? {} : { structuredOutputTool }
      const result = await http.postJson(context, "/v1/messages", body, options.maxChatResponseBytes, (answer) => fromMessagesResponse(answer, decodeOptions))
      options.thinkingStore.remember(result.toolCalls ?? [], result.thinkingBlocks ?? [])
      return result
    },
    // A generator, so a refused field fails the first pull like any upstream error, not the call that made the stream.
    async *generateStream(call: ChatCall, context: BackendContext): AsyncIterable<AnsweredBatch> {
      const { body, structuredOutputTool } = encode(call, true)
      // What the store needs once the answer is whole: its calls (position -> id, name) and signed blocks.
      const calls = new Map<number, { id: string; name: string }>()
      const blocks: ThinkingBlock[] = []
      const decode = reducerDecode(
        initialAnthropicStreamState({ ...(structuredOutputTool === undefined ? {} : { structuredOutputTool }), nowMs: options.now(), exposeMessage: options.exposeUpstreamErrors }),
        (state, data) => decodeAnthropicStreamEvent(state, data === undefined ? { type: "end" } : { type: "event", data }),
        (chunk) => {
          for (const delta of chunk.deltaToolCalls ?? []) if (delta.id !== undefined && delta.name !== undefined) calls.set(delta.index, { id: delta.id, name: delta.name })
          blocks.push(...(chunk.thinkingBlocks ?? []))
          if (chunk.finishReason !== undefined)
            options.thinkingStore.remember(
              [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c),
              blocks,
            )
        },
      )
      yield* http.postStream(context, "/v1/messages", body, SSE_FRAMING, decode)
    },
    embed(_call: EmbedCall, _context: BackendContext): Promise<EmbedResult> {
      // Unreachable through the registry, which refuses embedding models on this backend at start.
      return Promise.reject(new GatewayFailure({ _tag: "InvalidRequest", message: "This model does not create embeddings: Anthropic has no embeddings API.", param: "model" }))
    },
  }
}
