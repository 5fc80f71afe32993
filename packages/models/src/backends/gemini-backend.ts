import { randomBytes } from "node:crypto"
import {
  decodeGeminiStreamEvent,
  encodeEmbedBatches,
  encodeGenerateRequest,
  fromEmbedResponse,
  fromGeminiError,
  geminiErrorBodyStatus,
  fromGenerateResponse,
  GatewayFailure,
  geminiGeneratePath,
  initialGeminiStreamState,
  joinEmbedResults,
  type ChatCall,
  type EmbedCall,
  type EmbedResult,
  type GeminiRequestOptions,
  type GenerateResult,
  type Outcome,
} from "@harper-gateway/translate"
import type { AnsweredBatch, BackendContext, EmbeddingBackend, GenerativeBackend, UpstreamAnswered } from "../backend.ts"
import { textDigest, textHasher, type ThoughtSignatureStore } from "./thought-signature-store.ts"
import { createUpstreamHttp, reducerDecode, SSE_FRAMING } from "./upstream-http.ts"
import { apiKeyHeader, type UpstreamOptions } from "./upstream-options.ts"

export const GEMINI_DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
export const GEMINI_DEFAULT_API_VERSION = "v1beta"

/** `baseUrl` is without the API version: `https://generativelanguage.googleapis.com`. */
export interface GeminiBackendOptions extends UpstreamOptions {
  readonly apiVersion: string
  /** How requests are written (schema fields, thinking budgets, the sentinel for unsigned replayed calls). */
  readonly request: GeminiRequestOptions
  readonly signatures: ThoughtSignatureStore
  /** A prefix unique to one call, for the ids of the tool calls Gemini names none (default: random). */
  readonly newToolCallIdPrefix?: () => string
  /** Epoch milliseconds (default Date.now): the clock of an embeddings call's deadline across its batches. */
  readonly now?: () => number
}

/**
 * Google Gemini (Generative Language API) over the shared upstream transport:
 * generateContent, streamGenerateContent?alt=sse, embedContent and batchEmbedContents.
 * The key goes in the `x-goog-api-key` header, never in the URL (URLs reach logs).
 * Function calls' thought signatures are kept in the per-node store under the ids the
 * gateway gives the calls, a text's under its digest, and put back when the assistant
 * turn is replayed.
 */
export function createGeminiBackend(options: GeminiBackendOptions): GenerativeBackend & EmbeddingBackend {
  const http = createUpstreamHttp({
    ...options,
    headers: apiKeyHeader(options.apiKey, "x-goog-api-key"),
    errorOf: (answer) => fromGeminiError(answer, Date.now(), { exposeMessage: options.exposeUpstreamErrors }),
    errorStatusOf: geminiErrorBodyStatus,
  })
  const version = `/${options.apiVersion.replace(/^\/+|\/+$/g, "")}/`
  const newPrefix = options.newToolCallIdPrefix ?? (() => `call_${randomBytes(9).toString("base64url")}_`)
  const { signatures } = options

  // The client's history with the signatures this node kept put back on its tool calls.
  const body = (call: ChatCall) => valueOrThrow(encodeGenerateRequest({ ...call, input: { ...call.input, messages: signatures.resign(call.input.messages) } }, options.request))

  return {
    name: "gemini",
    async generate(call: ChatCall, context: BackendContext): Promise<GenerateResult> {
      const toolCallIdPrefix = newPrefix()
      const result = await http.postJson(context, version + geminiGeneratePath(call.opts.model, false), body(call), options.maxChatResponseBytes, (answer) => fromGenerateResponse(answer, { toolCallIdPrefix }))
      for (const choice of [result, ...(result.additionalChoices ?? [])]) {
        for (const toolCall of choice.toolCalls ?? []) if (toolCall.signature !== undefined) signatures.remember(toolCall.id, toolCall.name, toolCall.signature)
      }
      // Only choice 0 comes back as the assistant turn of a conversation.
      if (result.textSignature !== undefined && result.content !== null && result.content !== "") signatures.rememberText(textDigest(result.content), result.textSignature)
      return result
    },
    // A generator, so a refused request fails on the first read like any stream failure.
    async *generateStream(call: ChatCall, context: BackendContext): AsyncIterable<AnsweredBatch> {
      const encoded = body(call)
      // Choice 0's text, hashed as it streams (nothing held), for a text signature kept at its finish.
      const text = textHasher()
      let textLength = 0
      let textSignature: string | undefined
      let textFinished = false
      const decode = reducerDecode(
        initialGeminiStreamState(undefined, { toolCallIdPrefix: newPrefix(), exposeMessage: options.exposeUpstreamErrors }),
        (state, data) => decodeGeminiStreamEvent(state, data === undefined ? { type: "end" } : { type: "data", data }),
        (chunk) => {
          // The decoder puts a call's id, name and signature on the call's first fragment.
          for (const delta of chunk.deltaToolCalls ?? []) {
            if (delta.id !== undefined && delta.name !== undefined && delta.signature !== undefined) signatures.remember(delta.id, delta.name, delta.signature)
          }
          if ((chunk.choiceIndex ?? 0) !== 0 || textFinished) return
          if (chunk.deltaContent !== undefined) {
            text.update(chunk.deltaContent)
            textLength += chunk.deltaContent.length
          }
          textSignature = chunk.textSignature ?? textSignature
          if (chunk.finishReason === undefined) return
          // A digest is read once: choice 0 finishes once.
          textFinished = true
          if (textSignature !== undefined && textLength > 0) signatures.rememberText(text.digest("hex"), textSignature)
        },
      )
      yield* http.postStream(context, version + geminiGeneratePath(call.opts.model, true), encoded, SSE_FRAMING, decode)
    },
    async embed(call: EmbedCall, context: BackendContext): Promise<EmbedResult & UpstreamAnswered> {
      // Gemini takes at most 100 inputs a batch, OpenAI clients send up to 2,048: consecutive batches, in order.
      const batches = valueOrThrow(encodeEmbedBatches(call))
      const now = options.now ?? Date.now
      // One deadline for the call, not one per batch: 21 batches must not take 21 times `totalMs`.
      const until = now() + options.timeouts.totalMs
      const results: (EmbedResult & UpstreamAnswered)[] = []
      for (const { request, count } of batches) {
        if (now() >= until) throw new GatewayFailure({ _tag: "UpstreamTimeout", phase: "total", shouldRetry: false })
        // Gemini answers floats; a base64 client gets them encoded by the gateway's response encoder.
        results.push(await http.postJson(context, version + request.path, request.body, options.maxEmbeddingsResponseBytes, (answer) => fromEmbedResponse(answer, count)))
      }
      // The last batch's answer headers: its rate limits are the latest.
      const upstreamHeaders = results.at(-1)?.upstreamHeaders
      return upstreamHeaders === undefined ? joinEmbedResults(results) : { ...joinEmbedResults(results), upstreamHeaders }
    },
  }
}

function valueOrThrow<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new GatewayFailure(outcome.error)
  return outcome.value
}
