import { randomUUID } from "node:crypto"
import {
  GatewayFailure,
  toConversation,
  toOpenAIError,
  type ChatCall,
  type EmbedCall,
  type EmbedResult,
  type GatewayError,
  type GenerateChunk,
  type GenerateInput,
  type GenerateOpts,
  type GenerateResult,
  type TokenUsage,
} from "@harper-gateway/translate"
import { harper5Columns } from "./accounting/harper5-columns.ts"
import { NO_FACTS, type CallFacts, type CallRecordBase, type ModelCallRecord } from "./accounting/model-call-record.ts"
import { NO_ADMISSION, type Admission, type Limiter } from "./admission.ts"
import type { EmbeddingBackend, GenerativeBackend } from "./backend.ts"
import { forwardedFields } from "./forwarding-policy.ts"
import type { BackendRegistry, ListedModel, ModelRoute } from "./backend-registry.ts"

/** Who is calling, through which endpoint, and the signal that says they left. */
export interface CallMeta {
  readonly tenant: string | null
  readonly user: string | null
  readonly endpoint: string
  readonly signal: AbortSignal
  /** The gateway key the call came with, if any (its limits apply, and its rows carry it). */
  readonly keyId?: string | null
  /** Where the call's `x-ratelimit-*` headers are put for the answer. */
  readonly headers?: Record<string, string>
}

export interface ChatStream {
  readonly route: ModelRoute<GenerativeBackend>
  readonly chunks: AsyncIterable<GenerateChunk>
}

/**
 * The model layer: routing, backend calls and one accounting row per call (success,
 * error, aborted, or rejected before the call). `generate`, `generateStream` and
 * `embed` have Harper 5's `scope.models` signatures; the gateway's resources use the
 * `chat*` / `embedCall` forms, which take validated wire calls.
 */
export interface ModelsService {
  chat(call: ChatCall, meta: CallMeta): Promise<{ readonly route: ModelRoute<GenerativeBackend>; readonly result: GenerateResult }>
  /** Throws (synchronously) when the model cannot be resolved; the stream's row is written when it ends. */
  chatStream(call: ChatCall, meta: CallMeta): ChatStream
  embedCall(call: EmbedCall, meta: CallMeta): Promise<{ readonly route: ModelRoute<EmbeddingBackend>; readonly result: EmbedResult }>
  /** Records a call refused before any backend ran (bad input after authentication, unknown model). */
  recordRejection(meta: CallMeta, model: string | null, error: GatewayError, stream: boolean): void
  models(): readonly ListedModel[]
  generate(input: GenerateInput, opts?: GenerateOpts): Promise<GenerateResult>
  generateStream(input: GenerateInput, opts?: GenerateOpts): AsyncIterable<GenerateChunk>
  embed(input: string | readonly string[], opts?: { readonly model?: string; readonly dimensions?: number; readonly signal?: AbortSignal }): Promise<Float32Array[]>
}

/** Where the facade's rows go: the plugin's journalled recorder, or any other store. */
export interface CallSink {
  /** A call's row as `interrupted`, before its backend is called; `record` with the same id completes it. */
  started(row: ModelCallRecord): void
  record(row: ModelCallRecord): void
}

/** The token counts a call is billed for. */
export interface BilledTokens {
  readonly promptTokens: number
  readonly completionTokens: number
  readonly cachedTokens: number
  readonly reasoningTokens: number
}

export interface ModelsServiceOptions {
  /** Where the operator's account of a failed call goes (the plugin's log). */
  readonly onFailureDetail?: (message: string) => void
  /** Rate limits and budgets; none when absent. */
  readonly limits?: {
    readonly limiter: Limiter
    /** Prompt and completion tokens a chat call may use, before it runs. */
    readonly estimateChat: (call: ChatCall) => { readonly prompt: number; readonly completion: number }
    readonly estimateEmbed: (call: EmbedCall) => number
  }
  /** A call's cost in USD for its row and its budgets; null when the model has no price. */
  readonly price?: (logicalModel: string | null, upstreamModel: string, tokens: BilledTokens, at: Date) => number | null
}

export function createModelsService(registry: BackendRegistry, recorder: CallSink, options: ModelsServiceOptions = {}): ModelsService {
  /** `requestedModel`: the name the caller passed (Harper 5's `model`); `logicalModel`: the configured model it resolved to. */
  const start = (meta: CallMeta, logicalModel: string | null, stream: boolean, requestedModel: string | null) => ({
    meta,
    logicalModel,
    requestedModel,
    stream,
    id: randomUUID(),
    time: Date.now(),
    t0: performance.now(),
    admission: NO_ADMISSION,
    /** The prompt's estimate, for the cost of a stream abandoned before the upstream reported usage. */
    promptEstimate: (): number => 0,
  })
  type Started = ReturnType<typeof start>
  type RouteLike = { backend: { name: string }; upstreamModel: string }

  const toRow = (
    started: Started,
    route: RouteLike | undefined,
    outcome: ModelCallRecord["outcome"],
    usage: TokenUsage | undefined,
    ttftMs: number | null,
    error: GatewayError | undefined,
    tokensEstimated = false,
    facts: Partial<CallFacts> = {},
  ): ModelCallRecord => {
    const response = error === undefined ? undefined : toOpenAIError(error)
    const base: CallRecordBase = {
      id: started.id,
      time: started.time,
      tenant: started.meta.tenant,
      user: started.meta.user,
      endpoint: started.meta.endpoint,
      logicalModel: started.logicalModel,
      backend: route?.backend.name ?? null,
      upstreamModel: route?.upstreamModel ?? null,
      stream: started.stream,
      promptTokens: usage?.promptTokens ?? usage?.embeddingTokens ?? null,
      completionTokens: usage?.completionTokens ?? null,
      totalTokens: usage?.totalTokens ?? (usage?.promptTokens !== undefined ? usage.promptTokens + (usage.completionTokens ?? 0) : null),
      cachedTokens: usage?.cachedTokens ?? null,
      reasoningTokens: usage?.reasoningTokens ?? null,
      tokensEstimated,
      latencyMs: outcome === "interrupted" ? null : Math.round((performance.now() - started.t0) * 1000) / 1000,
      ttftMs,
      outcome,
      errorCode: error === undefined ? null : (response?.body.error.code ?? error._tag),
      status: outcome === "interrupted" ? null : (response?.status ?? 200),
    }
    const cost = outcome === "rejected" || outcome === "interrupted" || usage === undefined || route === undefined ? null : costOf(started, route.upstreamModel, usage, tokensEstimated)
    return { ...base, ...harper5Columns(base, started.requestedModel), ...NO_FACTS, usageRaw: usage?.raw ?? null, ...facts, keyId: started.meta.keyId ?? null, cost_usd: cost, costEstimated: cost === null ? null : tokensEstimated }
  }
  const costOf = (started: Started, upstreamModel: string, usage: TokenUsage, estimated: boolean): number | null =>
    options.price?.(started.logicalModel, upstreamModel, {
      promptTokens: usage.promptTokens ?? usage.embeddingTokens ?? (estimated ? started.promptEstimate() : 0),
      completionTokens: usage.completionTokens ?? 0,
      cachedTokens: usage.cachedTokens ?? 0,
      reasoningTokens: usage.reasoningTokens ?? 0,
    }, new Date(started.time)) ?? null
  /** Records a finished call and settles its admission with what it really used. */
  const record = (...args: Parameters<typeof toRow>) => {
    const row = toRow(...args)
    recorder.record(row)
    const [started, , , usage] = args
    started.admission.settle(usage === undefined || args[6] === true ? undefined : (row.totalTokens ?? undefined), row.cost_usd ?? null)
  }
  /**
   * Lets the call through its limits and budgets, or records it as refused and throws the
   * 429; either way the limits' headers go to the answer. Returns the call's start.
   */
  const admit = async (meta: CallMeta, logicalModel: string, requestedModel: string, stream: boolean, estimateOnce: () => { prompt: number; completion: number }): Promise<Started> => {
    // Counted at most once, and only when a token limit or an abandoned stream's cost needs it.
    let counted: { prompt: number; completion: number } | undefined
    const estimate = () => (counted ??= estimateOnce())
    const limits = options.limits
    if (limits === undefined) return start(meta, logicalModel, stream, requestedModel)
    const caller = { tenant: meta.tenant, keyId: meta.keyId ?? null }
    let admission: Admission
    try {
      admission = await limits.limiter.admit(caller, logicalModel, () => estimate().prompt + estimate().completion)
    } catch (error) {
      const reason = GatewayFailure.reasonOf(error)
      if (reason === undefined) throw error
      if (meta.headers !== undefined) Object.assign(meta.headers, await limits.limiter.peekHeaders(caller, logicalModel))
      record(start(meta, logicalModel, stream, requestedModel), undefined, "rejected", undefined, null, reason)
      throw error
    }
    if (meta.headers !== undefined) Object.assign(meta.headers, admission.headers)
    // Started after admission: an admitted call's row time is the moment its limits counted it.
    return { ...start(meta, logicalModel, stream, requestedModel), admission, promptEstimate: () => estimate().prompt }
  }
  /** Journalled before the backend is called: a crash before the call ends leaves it as an `interrupted` row. */
  const begin = (started: Started, route: RouteLike) => recorder.started(toRow(started, route, "interrupted", undefined, null, undefined))

  const reasonOf = (error: unknown, signal: AbortSignal): GatewayError =>
    signal.aborted ? { _tag: "Cancelled" } : (GatewayFailure.reasonOf(error) ?? { _tag: "Internal", detail: error instanceof Error ? error.stack ?? error.message : String(error) })
  /** The operator's account of a failure (an upstream's error body, an internal stack): logged, and kept on the row. */
  const detailOf = (error: unknown, reason: GatewayError, started: Started): string | null => {
    const detail = GatewayFailure.detailOf(error) ?? ("detail" in reason ? reason.detail : undefined) ?? null
    if (detail !== null) options.onFailureDetail?.(`gateway ${started.meta.endpoint} ${started.logicalModel ?? ""} failed (${reason._tag}): ${detail}`)
    return detail
  }
  /** Finish reasons and repairs of an answer, for its row. */
  const answerFacts = (answer: { readonly finishReason?: string; readonly rawFinishReason?: string; readonly repaired?: readonly string[] }): Partial<CallFacts> => ({
    finishReason: answer.finishReason ?? null,
    rawFinishReason: answer.rawFinishReason ?? null,
    repaired: answer.repaired === undefined || answer.repaired.length === 0 ? null : [...answer.repaired],
  })

  const resolveGenerative = (call: ChatCall, meta: CallMeta, stream: boolean) => {
    const route = registry.resolveGenerative(call.opts.model)
    if (route === undefined) {
      const error: GatewayError = { _tag: "ModelNotFound", model: call.opts.model }
      record(start(meta, call.opts.model, stream, call.opts.model), undefined, "rejected", undefined, null, error)
      throw new GatewayFailure(error)
    }
    return route
  }
  /** The call as the backend gets it: the upstream id, and only the fields the model's policy forwards. */
  const upstreamCall = (call: ChatCall, route: ModelRoute<GenerativeBackend>, meta: CallMeta, stream: boolean): ChatCall => {
    const { passthrough, ...opts } = call.opts
    if (passthrough === undefined) return { ...call, opts: { ...opts, model: route.upstreamModel } }
    const forwarded = forwardedFields(passthrough, route.extraFields, route.logicalName)
    if (!forwarded.ok) {
      record(start(meta, route.logicalName, stream, call.opts.model), undefined, "rejected", undefined, null, forwarded.error)
      throw new GatewayFailure(forwarded.error)
    }
    return { ...call, opts: { ...opts, model: route.upstreamModel, passthrough: forwarded.fields } }
  }

  /** One awaited backend call, accounted as success, error or aborted. */
  const accounted = async <R extends { readonly usage?: TokenUsage; readonly finishReason?: string; readonly rawFinishReason?: string; readonly repaired?: readonly string[] }, B extends { readonly name: string }>(
    started: Started,
    route: ModelRoute<B>,
    run: () => Promise<R>,
  ): Promise<{ readonly route: ModelRoute<B>; readonly result: R }> => {
    begin(started, route)
    try {
      const result = await run()
      record(started, route, "success", result.usage, Math.round(performance.now() - started.t0), undefined, false, answerFacts(result))
      return { route, result }
    } catch (error) {
      const reason = reasonOf(error, started.meta.signal)
      const errorDetail = detailOf(error, reason, started)
      record(started, route, reason._tag === "Cancelled" ? "aborted" : "error", undefined, null, reason, false, { errorDetail })
      throw new GatewayFailure(reason, errorDetail ?? undefined)
    }
  }

  const service: ModelsService = {
    async chat(call, meta) {
      const route = resolveGenerative(call, meta, false)
      const forwarded = upstreamCall(call, route, meta, false)
      const started = await admit(meta, route.logicalName, call.opts.model, false, () => options.limits?.estimateChat(call) ?? NO_ESTIMATE)
      return accounted(started, route, () => route.backend.generate(forwarded, { signal: meta.signal }))
    },

    chatStream(call, meta) {
      const route = resolveGenerative(call, meta, true)
      // Synchronous: a field the model's policy refuses throws before any stream exists.
      const forwarded = upstreamCall(call, route, meta, true)
      async function* accountedStream(): AsyncGenerator<GenerateChunk> {
        // At the first pull: a refusal is an ordinary HTTP 429, before the answer's status is sent.
        const started = await admit(meta, route.logicalName, call.opts.model, true, () => options.limits?.estimateChat(call) ?? NO_ESTIMATE)
        let usage: TokenUsage | undefined
        let ttftMs: number | null = null
        let deltas = 0
        let outcome: ModelCallRecord["outcome"] = "aborted"
        let failure: GatewayError | undefined
        let facts: Partial<CallFacts> = {}
        const repaired: string[] = []
        let finish: { finishReason?: string; rawFinishReason?: string } = {}
        // At the first pull, so a stream nobody reads leaves no started call open.
        begin(started, route)
        try {
          for await (const chunk of route.backend.generateStream(forwarded, { signal: meta.signal })) {
            if (chunk.usage !== undefined) usage = chunk.usage
            if (chunk.repaired !== undefined) repaired.push(...chunk.repaired)
            // Choice 0's finish is the row's (as for a non-streamed answer).
            if (chunk.finishReason !== undefined && (chunk.choiceIndex ?? 0) === 0) {
              finish = { finishReason: chunk.finishReason, ...(chunk.rawFinishReason === undefined ? {} : { rawFinishReason: chunk.rawFinishReason }) }
            }
            if (chunk.deltaContent !== undefined || chunk.deltaToolCalls !== undefined || chunk.deltaReasoning !== undefined) {
              ttftMs ??= Math.round(performance.now() - started.t0)
              deltas++
            }
            yield chunk
          }
          outcome = "success"
        } catch (error) {
          failure = reasonOf(error, meta.signal)
          outcome = failure._tag === "Cancelled" ? "aborted" : "error"
          const errorDetail = detailOf(error, failure, started)
          facts = { errorDetail }
          throw new GatewayFailure(failure, errorDetail ?? undefined)
        } finally {
          // Left early (client gone) without upstream usage: count what was streamed, one delta ≈ one token.
          const estimated = usage === undefined && outcome !== "success"
          const answered = answerFacts({ ...finish, repaired })
          record(started, route, outcome, estimated ? { completionTokens: deltas } : usage, ttftMs, outcome === "aborted" ? (failure ?? { _tag: "Cancelled" }) : failure, estimated, {
            ...answered,
            ...facts,
          })
        }
      }
      return { route, chunks: accountedStream() }
    },

    async embedCall(call, meta) {
      const route = registry.resolveEmbedding(call.opts.model)
      if (route === undefined) {
        const error: GatewayError = { _tag: "ModelNotFound", model: call.opts.model }
        record(start(meta, call.opts.model, false, call.opts.model), undefined, "rejected", undefined, null, error)
        throw new GatewayFailure(error)
      }
      const started = await admit(meta, route.logicalName, call.opts.model, false, () => ({ prompt: options.limits?.estimateEmbed(call) ?? 0, completion: 0 }))
      return accounted(started, route, () => route.backend.embed({ ...call, opts: { ...call.opts, model: route.upstreamModel } }, { signal: meta.signal }))
    },

    recordRejection(meta, model, error, stream) {
      record(start(meta, model, stream, model), undefined, "rejected", undefined, null, error)
    },

    models: () => registry.models(),

    async generate(input, opts = {}) {
      const { result } = await service.chat(toChatCall(input, opts, false), programmaticMeta("models.generate", opts.signal))
      return result
    },
    generateStream(input, opts = {}) {
      return service.chatStream(toChatCall(input, opts, true), programmaticMeta("models.generateStream", opts.signal)).chunks
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

const NO_ESTIMATE = { prompt: 0, completion: 0 }

function toChatCall(input: GenerateInput, opts: GenerateOpts, stream: boolean): ChatCall {
  return { input: toConversation(input), opts: { ...opts, model: opts.model ?? "default" }, stream, includeUsage: stream }
}

/** Calls from application code, outside any HTTP request: no tenant, no user. */
function programmaticMeta(endpoint: string, signal: AbortSignal | undefined): CallMeta {
  return { tenant: null, user: null, endpoint, signal: signal ?? new AbortController().signal }
}
