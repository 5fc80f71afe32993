import { toConversation, type ChatCall, type CompletionCall, type EmbedCall, type EmbedResult, type GatewayError, type GenerateChunk, type GenerateInput, type GenerateOpts, type GenerateResult } from "@harper-gateway/translate"
import type { AnsweredBatch, EmbeddingBackend, GenerativeBackend, UpstreamAnswered } from "./backend.ts"
import { withUpstreamHeaders } from "./backends/upstream-headers.ts"
import type { BackendRegistry, ListedModel, ModelRoute } from "./backend-registry.ts"
import { AccountedStream } from "./call/accounted-stream.ts"
import { admitCall, refuseCall, type AdmittedCall } from "./call/admit-call.ts"
import type { ChainLink } from "./call/call-chain.ts"
import { newCall } from "./call/call-subject.ts"
import { completionsOf } from "./call/completion-chain.ts"
import type { AnswerHeaders, CallDeps, CallMeta, CallSink, ModelsServiceOptions } from "./call/call-types.ts"
import { firstBatchOf } from "./call/first-batch.ts"
import { streamedChunks, type OpenedChatStream } from "./call/opened-stream.ts"
import { newOutputCounter, recordChatAnswer, recordEmbedAnswer } from "./call/record-answer.ts"
import { resolveChat, resolveCompletion, resolveEmbedding } from "./call/resolve-call.ts"
import { runAttempts, type AttemptPlan } from "./call/run-attempts.ts"
import { StreamTally } from "./call/stream-tally.ts"
import type { Attempt } from "./routing/route-call.ts"
import { SYSTEM_CLOCK } from "./routing/system-clock.ts"

export type { AnswerHeaders, BilledTokens, CallMeta, CallSink, ModelsServiceOptions } from "./call/call-types.ts"
export type { OpenedChatStream } from "./call/opened-stream.ts"

/** An answered call: the route that answered (a retry or a fallback may have), the result, and the answer's headers. */
export interface AnsweredCall<B, R> {
  readonly route: ModelRoute<B>
  readonly result: R
  readonly headers: AnswerHeaders
}

/**
 * The model layer: routing (retries, deployments, fallbacks: routing/), backend calls and
 * one accounting row per attempt (success, error, aborted), or per call rejected before
 * any attempt; a call's attempts share its `callId`. A call that gets no answer throws a
 * CallFailure (call/call-failure.ts) with its answer's headers. `generate`,
 * `generateStream` and `embed` have Harper 5's `scope.models` signatures; the gateway's
 * resources use `chat`, `openChatStream`, `completion`, `openCompletionStream` and
 * `embedCall`, which take validated wire calls.
 */
export interface ModelsService {
  chat(call: ChatCall, meta: CallMeta): Promise<AnsweredCall<GenerativeBackend, GenerateResult>>
  /** Resolves once the answering attempt sent its first batch of chunks; the stream's row is written when its reader ends it. */
  openChatStream(call: ChatCall, meta: CallMeta): Promise<OpenedChatStream>
  embedCall(call: EmbedCall, meta: CallMeta): Promise<AnsweredCall<EmbeddingBackend, EmbedResult>>
  /** A legacy text completion (`/v1/completions`): accounted, limited and routed as chat; a model without them is refused (UnsupportedEndpoint). */
  completion(call: CompletionCall, meta: CallMeta): Promise<AnsweredCall<GenerativeBackend, GenerateResult>>
  openCompletionStream(call: CompletionCall, meta: CallMeta): Promise<OpenedChatStream>
  /** Records a call refused before any backend ran (bad input after authentication, unknown model). */
  recordRejection(meta: CallMeta, model: string | null, error: GatewayError, stream: boolean): void
  models(): readonly ListedModel[]
  generate(input: GenerateInput, opts?: GenerateOpts): Promise<GenerateResult>
  generateStream(input: GenerateInput, opts?: GenerateOpts): AsyncIterable<GenerateChunk>
  embed(input: string | readonly string[], opts?: { readonly model?: string; readonly dimensions?: number; readonly signal?: AbortSignal }): Promise<Float32Array[]>
}

/**
 * Every call has the same life: resolve (route and chain; the client's errors refused) ->
 * admit (limits and budgets, on an estimate) -> attempts (route, journal, open, record:
 * call/run-attempts.ts) -> settle (the admissions, once, with what was really used).
 */
export function createModelsService(registry: BackendRegistry, recorder: CallSink, options: ModelsServiceOptions = {}): ModelsService {
  const deps: CallDeps = { recorder, options, clock: options.routingClock ?? SYSTEM_CLOCK }

  const service: ModelsService = {
    async chat(call, meta) {
      const { route, chain } = resolveChat(deps, { registry, call, meta, stream: false })
      const admitted = await admitCall(deps, chatRequest(call, meta, { logical: route.logicalName, stream: false }))
      return answerCall(deps, {
        admitted,
        chain: chain.chain,
        open: (attempt) => attempt.deployment.backend.generate(chain.callFor(attempt), { signal: meta.signal }),
        answered: (answer) => recordChatAnswer(deps, answer, admitted.admissions),
      })
    },

    async openChatStream(call, meta) {
      const { route, chain } = resolveChat(deps, { registry, call, meta, stream: true })
      const admitted = await admitCall(deps, chatRequest(call, meta, { logical: route.logicalName, stream: true }))
      return openAccountedStream(deps, { admitted, chain: chain.chain, open: (attempt) => attempt.deployment.backend.generateStream(chain.callFor(attempt), { signal: meta.signal }) })
    },

    async completion(call, meta) {
      const { route, chain } = resolveCompletion(deps, { registry, call, meta, stream: false })
      const admitted = await admitCall(deps, completionRequest(call, meta, { logical: route.logicalName, stream: false }))
      return answerCall(deps, {
        admitted,
        chain: chain.chain,
        open: (attempt) => completionsOf(attempt).complete(chain.callFor(attempt), { signal: meta.signal }),
        answered: (answer) => recordChatAnswer(deps, answer, admitted.admissions),
      })
    },

    async openCompletionStream(call, meta) {
      const { route, chain } = resolveCompletion(deps, { registry, call, meta, stream: true })
      const admitted = await admitCall(deps, completionRequest(call, meta, { logical: route.logicalName, stream: true }))
      return openAccountedStream(deps, { admitted, chain: chain.chain, open: (attempt) => completionsOf(attempt).completeStream(chain.callFor(attempt), { signal: meta.signal }) })
    },

    async embedCall(call, meta) {
      const { route, chain } = resolveEmbedding(deps, { registry, call, meta, stream: false })
      const estimate = (limits: NonNullable<ModelsServiceOptions["limits"]>) => ({ prompt: limits.estimateEmbed(call), completion: 0 })
      const admitted = await admitCall(deps, { meta, names: { requested: call.opts.model, logical: route.logicalName }, stream: false, estimate })
      return answerCall(deps, {
        admitted,
        chain,
        open: (attempt) => attempt.deployment.backend.embed({ ...call, opts: { ...call.opts, model: attempt.deployment.upstreamModel } }, { signal: meta.signal }),
        answered: (answer) => recordEmbedAnswer(deps, answer, admitted.admissions),
      })
    },

    recordRejection(meta, model, error, stream) {
      refuseCall(deps, newCall(meta, { requested: model, logical: model }, stream), { reason: error })
    },

    models: () => registry.models(),

    async generate(input, opts = {}) {
      const { result } = await service.chat(toChatCall(input, opts, false), programmaticMeta("models.generate", opts.signal))
      return result
    },
    generateStream(input, opts = {}) {
      return streamedChunks(service.openChatStream(toChatCall(input, opts, true), programmaticMeta("models.generateStream", opts.signal)))
    },
    async embed(input, opts = {}) {
      const call: EmbedCall = {
        input,
        opts: { model: opts.model ?? "default", ...(opts.dimensions === undefined ? {} : { dimensions: opts.dimensions }) },
        encodingFormat: "float",
      }
      const { result } = await service.embedCall(call, programmaticMeta("models.embed", opts.signal))
      return [...result.vectors]
    },
  }
  return service
}

function chatRequest(call: ChatCall, meta: CallMeta, model: { readonly logical: string; readonly stream: boolean }) {
  return { meta, names: { requested: call.opts.model, logical: model.logical }, stream: model.stream, estimate: (limits: NonNullable<ModelsServiceOptions["limits"]>) => limits.estimateChat(call) }
}

function completionRequest(call: CompletionCall, meta: CallMeta, model: { readonly logical: string; readonly stream: boolean }) {
  return { meta, names: { requested: call.model, logical: model.logical }, stream: model.stream, estimate: (limits: NonNullable<ModelsServiceOptions["limits"]>) => limits.estimateCompletion(call) }
}

/** A call answered whole (not streamed): its attempts, the answering deployment released, and its admissions settled once, whatever happened. */
async function answerCall<B extends { readonly name: string }, R extends UpstreamAnswered>(deps: CallDeps, plan: AttemptPlan<B, R>): Promise<AnsweredCall<B, R>> {
  try {
    const answered = await runAttempts(deps, plan)
    answered.release()
    return { route: answered.route, result: answered.value, headers: withUpstreamHeaders(answered.headers, answered.value.upstreamHeaders) }
  } finally {
    plan.admitted.admissions.settle()
  }
}

/**
 * A stream's attempts: retries and fallbacks happen only here, before its first chunk
 * reaches the client; the answering attempt's rest is read through an AccountedStream,
 * which writes its row and settles the call when it ends.
 */
async function openAccountedStream(deps: CallDeps, opening: StreamOpening): Promise<OpenedChatStream> {
  const { admitted, chain, open } = opening
  const opened = await runAttempts(deps, { admitted, chain, open: (attempt) => firstBatchOf(open(attempt)) }).catch((error: unknown) => {
    admitted.admissions.settle()
    throw error
  })
  const { value, subject, route, headers, release } = opened
  const rest = new AccountedStream(deps, value.iterator, { subject, route, admissions: admitted.admissions, tally: new StreamTally(subject, newOutputCounter(deps)), release })
  rest.begin(value.first)
  return { route, first: value.first, rest, headers: withUpstreamHeaders(headers, value.upstreamHeaders) }
}

/** A stream's chain, and how one attempt of it is opened (a chat or a text completion stream). */
interface StreamOpening {
  readonly admitted: AdmittedCall
  readonly chain: readonly ChainLink<GenerativeBackend>[]
  readonly open: (attempt: Attempt<GenerativeBackend, ChainLink<GenerativeBackend>>) => AsyncIterable<AnsweredBatch>
}

function toChatCall(input: GenerateInput, opts: GenerateOpts, stream: boolean): ChatCall {
  return { input: toConversation(input), opts: { ...opts, model: opts.model ?? "default" }, stream, includeUsage: stream }
}

/** Calls from application code, outside any HTTP request: no tenant, no user. */
function programmaticMeta(endpoint: string, signal: AbortSignal | undefined): CallMeta {
  return { tenant: null, user: null, endpoint, signal: signal ?? new AbortController().signal }
}
