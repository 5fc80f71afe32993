import { randomUUID } from "node:crypto"
import {
  describeThrown,
  GatewayFailure,
  toConversation,
  toOpenAIError,
  tokenTotal,
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
import { rowName } from "./accounting/row-name.ts"
import { NO_FACTS, type CallFacts, type CallRecordBase, type ModelCallRecord } from "./accounting/model-call-record.ts"
import { charOutputCounter, countAnswer, countChunk, type OutputCounter } from "./accounting/output-counter.ts"
import { settledEmbedUsage, settledUsage } from "./accounting/settled-usage.ts"
import { NO_ADMISSION, type Admission, type Limiter } from "./admission.ts"
import type { EmbeddingBackend, GenerativeBackend } from "./backend.ts"
import { forwardedFields } from "./forwarding-policy.ts"
import type { BackendRegistry, ListedModel, ModelRoute } from "./backend-registry.ts"
import { ATTEMPTS_HEADER, attemptsHeader, type AttemptReport } from "./routing/attempts-header.ts"
import { fallbackChain } from "./routing/fallback-chain.ts"
import { attemptBudget } from "./routing/attempt-budget.ts"
import { routeCall, type Attempt, type AttemptOutcome, type RoutedModel, type RoutingClock } from "./routing/route-call.ts"
import { routingOf } from "./routing/routing-of.ts"
import { SYSTEM_CLOCK } from "./routing/system-clock.ts"

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
  /** How many times the client already sent this call (OpenAI SDKs' `x-stainless-retry-count`); its retries spend the gateway's attempt budget. */
  readonly clientRetries?: number
}

export interface ChatStream {
  /** The route that answers: the requested model's until the stream's first chunk, then the deployment (or fallback) that sent it. */
  readonly route: ModelRoute<GenerativeBackend>
  readonly chunks: AsyncIterable<GenerateChunk>
}

/**
 * The model layer: routing (retries, deployments, fallbacks: routing/), backend calls and
 * one accounting row per attempt (success, error, aborted), or per call rejected before
 * any attempt; a call's attempts share its `callId`. `generate`, `generateStream` and
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
  /**
   * A call's row as `interrupted`, before its backend is called; `record` with the same id completes it.
   * A promise is awaited before the backend is called (the journal's group commit); a rejection fails the attempt unsent.
   */
  started(row: ModelCallRecord): void | Promise<void>
  record(row: ModelCallRecord): void
}

/** The token counts a call is billed for. */
export interface BilledTokens {
  readonly promptTokens: number
  readonly completionTokens: number
  readonly cachedTokens: number
  /** Prompt tokens written to the provider's cache (Anthropic's cache_creation_input_tokens), inside promptTokens. */
  readonly cacheWriteTokens: number
  /** Of the cache writes, those kept for an hour (priced higher). */
  readonly cacheWrite1hTokens: number
  readonly reasoningTokens: number
}

/** A call's token estimate before it runs. */
export interface CallEstimate {
  readonly prompt: number
  readonly completion: number
  readonly interruptedCompletion?: number
}

export interface ModelsServiceOptions {
  /** Where the operator's account of a failed call goes (the plugin's log). */
  readonly onFailureDetail?: (message: string) => void
  /** Rate limits and budgets; none when absent. */
  readonly limits?: {
    readonly limiter: Limiter
    /**
     * Prompt and completion tokens a chat call may use, before it runs (its admission); and
     * the completion its started line bills should a crash cut it (default: `completion`).
     */
    readonly estimateChat: (call: ChatCall) => CallEstimate
    readonly estimateEmbed: (call: EmbedCall) => number
    /** Counts a call's output for its completion estimate when the upstream reported none (default: 4 characters a token). */
    readonly countOutput?: () => OutputCounter
  }
  /** A call's cost in USD for its row and its budgets; null when the model has no price. */
  readonly price?: (logicalModel: string | null, upstreamModel: string, tokens: BilledTokens, at: Date) => number | null
  /** Time and randomness for retries, backoff and deployment choice (tests pass a fake). */
  readonly routingClock?: RoutingClock
}

/** A model of a call's chain: how it is routed, and its route. */
interface ChainLink<B> extends RoutedModel<B> {
  readonly route: ModelRoute<B>
  readonly maxAttempts: number
}

/** Which attempt of which call a row is (a call refused before any attempt: its own id, no attempt). */
interface AttemptFields {
  readonly callId: string
  readonly attempt: number | null
  readonly deployment: string | null
}

/** What a call's attempts used, added up for its limits, which are settled once. */
interface Spending {
  tokens: number | undefined
  cost: number | null
}

export function createModelsService(registry: BackendRegistry, recorder: CallSink, options: ModelsServiceOptions = {}): ModelsService {
  const clock = options.routingClock ?? SYSTEM_CLOCK
  /** `requestedModel`: the name the caller passed (Harper 5's `model`); `logicalModel`: the configured model it resolved to. */
  const start = (meta: CallMeta, logicalModel: string | null, stream: boolean, requestedModel: string | null) => {
    const id = randomUUID()
    const call: AttemptFields = { callId: id, attempt: null, deployment: null }
    const spent: Spending = { tokens: undefined, cost: null }
    const spentOnModel: Spending = { tokens: undefined, cost: null }
    return {
      meta,
      logicalModel,
      requestedModel,
      stream,
      id,
      ...call,
      time: Date.now(),
      t0: performance.now(),
      admission: NO_ADMISSION,
      /** The prompt's estimate, for the cost of a stream abandoned before the upstream reported usage. */
      promptEstimate: (): number => 0,
      /** Prompt and completion estimated, for the limits of a fallback model the call moves on to. */
      tokenEstimate: (): number => 0,
      /** The completion a call cut by a crash is billed (its started line). */
      interruptedCompletion: (): number => 0,
      spent,
      /** What the attempts on the requested (logical) model itself spent, for that model's own rules. */
      spentOnModel,
      /** The admissions of fallback models this call was tried on (their own rules), with what was spent on each. */
      fallbackAdmissions: new Map<string, { readonly admission: Admission; readonly spent: Spending }>(),
    }
  }
  type Started = ReturnType<typeof start>
  /** One attempt of an admitted call: its own row id, time and clock; the call's id, admission and spending. */
  const startAttempt = <B>(call: Started, attempt: Attempt<B>): Started => ({
    ...call,
    id: randomUUID(),
    time: Date.now(),
    t0: performance.now(),
    logicalModel: attempt.model.logicalName,
    attempt: attempt.number,
    deployment: attempt.deployment.label,
  })
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
    lastAttempt = true,
  ): ModelCallRecord => {
    const response = error === undefined ? undefined : toOpenAIError(error)
    const base: CallRecordBase = {
      id: started.id,
      time: started.time,
      tenant: started.meta.tenant,
      user: started.meta.user,
      endpoint: started.meta.endpoint,
      logicalModel: rowName(started.logicalModel),
      backend: route?.backend.name ?? null,
      upstreamModel: route?.upstreamModel ?? null,
      stream: started.stream,
      promptTokens: usage?.promptTokens ?? usage?.embeddingTokens ?? null,
      completionTokens: usage?.completionTokens ?? null,
      totalTokens: usage?.totalTokens ?? (usage?.promptTokens !== undefined ? tokenTotal([usage.promptTokens, usage.completionTokens ?? 0]).total : null),
      cachedTokens: usage?.cachedTokens ?? null,
      reasoningTokens: usage?.reasoningTokens ?? null,
      tokensEstimated,
      latencyMs: outcome === "interrupted" ? null : Math.round((performance.now() - started.t0) * 1000) / 1000,
      ttftMs,
      outcome,
      errorCode: error === undefined ? null : (response?.body.error.code ?? error._tag),
      status: outcome === "interrupted" ? null : (response?.status ?? 200),
    }
    // An interrupted (started) row carries the call's estimate: a crash bills at least that.
    const cost = outcome === "rejected" || usage === undefined || route === undefined ? null : costOf(started, route.upstreamModel, usage, tokensEstimated)
    return {
      ...base,
      ...harper5Columns(base, rowName(started.requestedModel)),
      ...NO_FACTS,
      usageRaw: usage?.raw ?? null,
      ...facts,
      keyId: started.meta.keyId ?? null,
      cost_usd: cost,
      costEstimated: cost === null ? null : tokensEstimated,
      callId: started.callId,
      attempt: started.attempt,
      lastAttempt,
      deployment: started.deployment,
    }
  }
  const costOf = (started: Started, upstreamModel: string, usage: TokenUsage, estimated: boolean): number | null =>
    options.price?.(started.logicalModel, upstreamModel, {
      promptTokens: usage.promptTokens ?? usage.embeddingTokens ?? (estimated ? started.promptEstimate() : 0),
      completionTokens: usage.completionTokens ?? 0,
      cachedTokens: usage.cachedTokens ?? 0,
      cacheWriteTokens: usage.cacheWriteTokens ?? 0,
      cacheWrite1hTokens: usage.cacheWrite1hTokens ?? 0,
      reasoningTokens: usage.reasoningTokens ?? 0,
    }, new Date(started.time)) ?? null
  /** Records a finished attempt (or refused call) and adds what it used to its call's spending. */
  const record = (...args: Parameters<typeof toRow>) => {
    const row = toRow(...args)
    recorder.record(row)
    const [started, , , usage] = args
    // Estimated usage settles like reported usage: a call without usage is not free.
    const reported = usage === undefined ? undefined : (row.totalTokens ?? undefined)
    const fallback = started.logicalModel === null ? undefined : started.fallbackAdmissions.get(started.logicalModel)
    for (const spent of [started.spent, fallback === undefined ? started.spentOnModel : fallback.spent]) {
      if (reported !== undefined) spent.tokens = (spent.tokens ?? 0) + reported
      if (row.cost_usd !== null && row.cost_usd !== undefined) spent.cost = (spent.cost ?? 0) + row.cost_usd
    }
  }
  /** Once per call, whatever its attempts: frees its limits' slots with what all of them really used. */
  const settle = (call: Started) => {
    if (call.fallbackAdmissions.size === 0) call.admission.settle(call.spent.tokens, call.spent.cost)
    // Attempts on the requested model that failed before a fallback used nothing there: 0, not "unknown", which would keep the estimate.
    else call.admission.settle(call.spent.tokens, call.spent.cost, { tokens: call.spentOnModel.tokens ?? 0, costUsd: call.spentOnModel.cost })
    for (const { admission, spent } of call.fallbackAdmissions.values()) admission.settle(spent.tokens, spent.cost)
  }
  /**
   * Before a call's first attempt on a fallback model: that model's own rules (its
   * model-independent ones counted the call already). A refusal ends the call with its 429.
   */
  const admitFallback = async (call: Started, model: string): Promise<GatewayError | undefined> => {
    const limits = options.limits
    if (limits === undefined || model === call.logicalModel || call.fallbackAdmissions.has(model)) return undefined
    try {
      const admission = await limits.limiter.admit({ tenant: call.meta.tenant, keyId: call.meta.keyId ?? null }, model, call.tokenEstimate, true)
      call.fallbackAdmissions.set(model, { admission, spent: { tokens: undefined, cost: null } })
      return undefined
    } catch (error) {
      const reason = GatewayFailure.reasonOf(error)
      if (reason === undefined) throw error
      return reason._tag === "RateLimited" ? { ...reason, shouldRetry: false } : reason
    }
  }
  /** A call refused before any attempt: its one row, and its (empty) admission settled. */
  const reject = (started: Started, error: GatewayError) => {
    record(started, undefined, "rejected", undefined, null, error)
    settle(started)
  }
  /**
   * Lets the call through its limits and budgets, or records it as refused and throws the
   * 429; either way the limits' headers go to the answer. Returns the call's start.
   */
  const admit = async (meta: CallMeta, logicalModel: string, requestedModel: string, stream: boolean, estimateOnce: () => CallEstimate): Promise<Started> => {
    // Counted at most once, and only when a token limit or an abandoned stream's cost needs it.
    let counted: CallEstimate | undefined
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
      reject(start(meta, logicalModel, stream, requestedModel), reason)
      throw error
    }
    if (meta.headers !== undefined) Object.assign(meta.headers, admission.headers)
    // Started after admission: an admitted call's row time is the moment its limits counted it.
    return {
      ...start(meta, logicalModel, stream, requestedModel),
      admission,
      promptEstimate: () => estimate().prompt,
      tokenEstimate: () => estimate().prompt + estimate().completion,
      interruptedCompletion: () => estimate().interruptedCompletion ?? estimate().completion,
    }
  }
  /** Journalled before the backend is called: a crash before the call ends leaves it as an `interrupted` row. */
  const begin = async (started: Started, route: RouteLike): Promise<void> => await recorder.started(toRow(started, route, "interrupted", startEstimate(started), null, undefined, options.limits !== undefined))
  /** The call's estimate before it runs (prompt and the completion it may ask for), for its started line; none without estimators. */
  const startEstimate = (started: Started): TokenUsage | undefined => {
    if (options.limits === undefined) return undefined
    const promptTokens = started.promptEstimate()
    const completionTokens = started.interruptedCompletion()
    return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
  }
  const newOutputCounter = (): OutputCounter => options.limits?.countOutput?.() ?? charOutputCounter()

  const reasonOf = (error: unknown, signal: AbortSignal): GatewayError =>
    signal.aborted ? { _tag: "Cancelled" } : (GatewayFailure.reasonOf(error) ?? { _tag: "Internal", detail: describeThrown(error, { stack: true }) })
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
      reject(start(meta, call.opts.model, stream, call.opts.model), error)
      throw new GatewayFailure(error)
    }
    return route
  }
  /** The call with only the fields a model's policy forwards (its upstream id is set per deployment). */
  const forwardedTo = (call: ChatCall, route: ModelRoute<GenerativeBackend>) => {
    const { passthrough, ...opts } = call.opts
    // Parts' cache_control goes upstream by the model's policy only, like an extension field.
    const { forwardCacheControl: _fromCaller, ...rest } = call
    const policed: ChatCall = route.extraFields.has("cache_control") ? { ...rest, forwardCacheControl: true } : rest
    if (passthrough === undefined) return { ok: true as const, call: policed }
    const forwarded = forwardedFields(passthrough, route.extraFields, route.logicalName)
    return forwarded.ok ? { ok: true as const, call: { ...policed, opts: { ...opts, passthrough: forwarded.fields } } } : forwarded
  }
  /**
   * The models a chat call may be served by: the requested one (a field its policy refuses
   * is the client's 400, recorded before any attempt), then its fallbacks whose policy
   * accepts the call's fields (the others are left out).
   */
  const chatChain = (call: ChatCall, route: ModelRoute<GenerativeBackend>, meta: CallMeta, stream: boolean) => {
    const primary = forwardedTo(call, route)
    if (!primary.ok) {
      reject(start(meta, route.logicalName, stream, call.opts.model), primary.error)
      throw new GatewayFailure(primary.error)
    }
    const calls = new Map<ModelRoute<GenerativeBackend>, ChatCall>()
    const chain = chainOf(route, registry.resolveGenerative, (fallback) => {
      const forwarded = forwardedTo(call, fallback)
      if (forwarded.ok) calls.set(fallback, forwarded.call)
      return forwarded.ok
    })
    calls.set(route, primary.call)
    /** The call as one deployment gets it: its model's fields and the deployment's upstream id. */
    const callFor = (attempt: Attempt<GenerativeBackend, ChainLink<GenerativeBackend>>): ChatCall => {
      const forwarded = calls.get(attempt.model.route) ?? primary.call
      return { ...forwarded, opts: { ...forwarded.opts, model: attempt.deployment.upstreamModel } }
    }
    return { chain, callFor }
  }

  /**
   * Runs a call's attempts over its chain (routing/route-call.ts), each attempt journalled
   * before its backend is called and recorded when it ends, the attempts header kept up to
   * date; the admission is settled once, when the call is over (for a stream, by the caller).
   * `open` is one attempt up to the point where the answer is committed to the client: the
   * whole answer, or a stream's first chunk.
   */
  const routed = async <B extends { readonly name: string }, V>(
    call: Started,
    chain: readonly ChainLink<B>[],
    open: (attempt: Attempt<B, ChainLink<B>>, started: Started, route: ModelRoute<B>) => Promise<V>,
    finished: (value: V, started: Started, route: ModelRoute<B>) => void,
  ): Promise<{ readonly value: V; readonly started: Started; readonly route: ModelRoute<B>; readonly release: () => void }> => {
    let lastDetail: string | undefined
    const outcome = await routeCall<B, { value: V; started: Started; route: ModelRoute<B> }, ChainLink<B>>(
      chain,
      async (attempt): Promise<AttemptOutcome<{ value: V; started: Started; route: ModelRoute<B> }>> => {
        const started = startAttempt(call, attempt)
        const route = answeringRoute(attempt)
        const refused = await admitFallback(call, attempt.model.logicalName)
        if (refused !== undefined) return { ok: false, reason: refused, record: (last) => record(started, undefined, "rejected", undefined, null, refused, false, {}, last) }
        // Awaited (CallSink.started): no upstream request before its started line is journalled.
        await begin(started, route)
        try {
          const value = await open(attempt, started, route)
          finished(value, started, route)
          return { ok: true, value: { value, started, route } }
        } catch (error) {
          const reason = reasonOf(error, call.meta.signal)
          const errorDetail = detailOf(error, reason, started)
          lastDetail = errorDetail ?? undefined
          if (reason._tag === "Cancelled") {
            // The client left before any answer: the upstream had the prompt, so it is billed at least at its estimate.
            const { usage, estimated } = settledUsage(undefined, { prompt: started.promptEstimate, completion: () => 0 })
            return { ok: false, reason, record: (last) => record(started, route, "aborted", usage, null, reason, estimated, { errorDetail }, last) }
          }
          // An upstream that refused or failed bills nothing for the attempt.
          return { ok: false, reason, record: (last) => record(started, route, "error", undefined, null, reason, false, { errorDetail }, last) }
        }
      },
      {
        clock,
        signal: call.meta.signal,
        // The requested model's budget covers its fallbacks too.
        maxAttempts: attemptBudget(chain[0]?.maxAttempts ?? 1, call.meta.clientRetries ?? 0),
        tenant: call.meta.tenant,
        onReport: (reports) => reportAttempts(call.meta, reports),
      },
    )
    if (outcome.ok) return { ...outcome.value, release: outcome.release }
    // Nothing was tried (a chain without deployments): the call still has its row.
    if (outcome.attempts === 0) record(call, undefined, "error", undefined, null, outcome.reason)
    throw new GatewayFailure(outcome.reason, outcome.attempts === 0 ? undefined : lastDetail)
  }

  /** A chat answer's row: its usage, or what is missing of it estimated (the completion from the answer's text). */
  const recordAnswer = (result: GenerateResult, started: Started, route: RouteLike) => {
    const { usage, estimated } = settledUsage(result.usage, {
      prompt: started.promptEstimate,
      completion: () => {
        const counter = newOutputCounter()
        countAnswer(counter, result)
        return counter.tokens()
      },
    })
    record(started, route, "success", usage, Math.round(performance.now() - started.t0), undefined, estimated, answerFacts(result))
  }
  const recordEmbedAnswer = (result: EmbedResult, started: Started, route: RouteLike) => {
    const { usage, estimated } = settledEmbedUsage(result.usage, started.promptEstimate)
    record(started, route, "success", usage, Math.round(performance.now() - started.t0), undefined, estimated)
  }

  /** What a stream's chunks say for its row: usage, repairs, choice 0's finish, time to the first token. */
  const streamTally = (started: Started) => {
    let usage: TokenUsage | undefined
    let ttftMs: number | null = null
    // What was streamed, counted as it passes (cheap) and turned into tokens once, at the end.
    const output = newOutputCounter()
    const repaired: string[] = []
    let finish: { finishReason?: string; rawFinishReason?: string } = {}
    return {
      observe(chunk: GenerateChunk) {
        if (chunk.usage !== undefined) usage = chunk.usage
        if (chunk.repaired !== undefined) repaired.push(...chunk.repaired)
        // Choice 0's finish is the row's (as for a non-streamed answer).
        if (chunk.finishReason !== undefined && (chunk.choiceIndex ?? 0) === 0) {
          finish = { finishReason: chunk.finishReason, ...(chunk.rawFinishReason === undefined ? {} : { rawFinishReason: chunk.rawFinishReason }) }
        }
        if (chunk.deltaContent !== undefined || chunk.deltaToolCalls !== undefined || chunk.deltaReasoning !== undefined) {
          ttftMs ??= Math.round(performance.now() - started.t0)
        }
        countChunk(output, chunk)
      },
      result() {
        // Without the upstream's counts (none sent, the client left first, an untrusted figure left out): estimated.
        const { usage: settled, estimated } = settledUsage(usage, { prompt: started.promptEstimate, completion: output.tokens })
        return { usage: settled, estimated, ttftMs, answered: answerFacts({ ...finish, repaired }) }
      },
    }
  }

  const service: ModelsService = {
    async chat(call, meta) {
      const route = resolveGenerative(call, meta, false)
      const { chain, callFor } = chatChain(call, route, meta, false)
      const admitted = await admit(meta, route.logicalName, call.opts.model, false, () => options.limits?.estimateChat(call) ?? NO_ESTIMATE)
      try {
        const answered = await routed(admitted, chain, (attempt) => attempt.deployment.backend.generate(callFor(attempt), { signal: meta.signal }), recordAnswer)
        answered.release()
        return { route: answered.route, result: answered.value }
      } finally {
        settle(admitted)
      }
    },

    chatStream(call, meta) {
      const route = resolveGenerative(call, meta, true)
      // Synchronous: a field the model's policy refuses throws before any stream exists.
      const { chain, callFor } = chatChain(call, route, meta, true)
      let answering = route
      async function* accountedStream(): AsyncGenerator<GenerateChunk> {
        // At the first pull: a refusal is an ordinary HTTP 429, before the answer's status is sent.
        const admitted = await admit(meta, route.logicalName, call.opts.model, true, () => options.limits?.estimateChat(call) ?? NO_ESTIMATE)
        let opened
        try {
          // Retries and fallbacks happen only here, before the first chunk reaches the client.
          opened = await routed(admitted, chain, openStreamAttempt, () => undefined)
        } catch (error) {
          settle(admitted)
          throw error
        }
        answering = opened.route
        const { started, value } = opened
        const { iterator } = value
        const tally = streamTally(started)
        let outcome: ModelCallRecord["outcome"] = "aborted"
        let failure: GatewayError | undefined
        let facts: Partial<CallFacts> = {}
        let done = false
        try {
          for (let step = value.first; step.done !== true; step = await iterator.next()) {
            tally.observe(step.value)
            yield step.value
          }
          done = true
          outcome = "success"
        } catch (error) {
          done = true
          failure = reasonOf(error, meta.signal)
          outcome = failure._tag === "Cancelled" ? "aborted" : "error"
          const errorDetail = detailOf(error, failure, started)
          facts = { errorDetail }
          throw new GatewayFailure(failure, errorDetail ?? undefined)
        } finally {
          // Left early (client gone): stop the upstream.
          if (!done) await iterator.return?.().catch(() => undefined)
          const { usage, estimated, ttftMs, answered } = tally.result()
          record(started, opened.route, outcome, usage, ttftMs, outcome === "aborted" ? (failure ?? { _tag: "Cancelled" }) : failure, estimated, { ...answered, ...facts })
          opened.release()
          settle(admitted)
        }
      }
      /** One attempt: the stream is opened and its first chunk awaited; a failure before it may be retried. */
      const openStreamAttempt = async (attempt: Attempt<GenerativeBackend, ChainLink<GenerativeBackend>>) => {
        const iterator = attempt.deployment.backend.generateStream(callFor(attempt), { signal: meta.signal })[Symbol.asyncIterator]()
        try {
          return { iterator, first: await iterator.next() }
        } catch (error) {
          await iterator.return?.().catch(() => undefined)
          throw error
        }
      }
      return {
        get route() {
          return answering
        },
        chunks: accountedStream(),
      }
    },

    async embedCall(call, meta) {
      const route = registry.resolveEmbedding(call.opts.model)
      if (route === undefined) {
        const error: GatewayError = { _tag: "ModelNotFound", model: call.opts.model }
        reject(start(meta, call.opts.model, false, call.opts.model), error)
        throw new GatewayFailure(error)
      }
      const chain = chainOf(route, registry.resolveEmbedding, () => true)
      const admitted = await admit(meta, route.logicalName, call.opts.model, false, () => ({ prompt: options.limits?.estimateEmbed(call) ?? 0, completion: 0 }))
      try {
        const embed = (attempt: Attempt<EmbeddingBackend>) => attempt.deployment.backend.embed({ ...call, opts: { ...call.opts, model: attempt.deployment.upstreamModel } }, { signal: meta.signal })
        const answered = await routed(admitted, chain, embed, recordEmbedAnswer)
        answered.release()
        return { route: answered.route, result: answered.value }
      } finally {
        settle(admitted)
      }
    },

    recordRejection(meta, model, error, stream) {
      reject(start(meta, model, stream, model), error)
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

/** A route's routing; a route made by hand without one gets one deployment and the defaults (the registry fills it in). */
function routedModelOf<B>(route: ModelRoute<B>): RoutedModel<B> & { readonly maxAttempts: number } {
  const routing = route.routing ?? routingOf([{ label: "0", upstreamModel: route.upstreamModel, backend: route.backend, weight: 1 }], undefined, { fallback: [] })
  return { logicalName: route.logicalName, pool: routing.pool, retries: routing.retries, fallbackOn: routing.fallbackOn, maxAttempts: routing.maxAttempts }
}

/**
 * The requested model, then its fallbacks (routing/fallback-chain.ts: in order, each with its
 * own, cycles cut) that exist as logical models of the same kind and that `accepts`.
 */
function chainOf<B>(route: ModelRoute<B>, resolve: (name: string) => ModelRoute<B> | undefined, accepts: (fallback: ModelRoute<B>) => boolean): readonly ChainLink<B>[] {
  const routes = new Map<string, ModelRoute<B>>([[route.logicalName, route]])
  const lookUp = (name: string) => {
    if (routes.has(name)) return routes.get(name)
    const found = resolve(name)
    // A fallback names a logical model, never an alias; one whose policy refuses the call is left out.
    const usable = found !== undefined && found.logicalName === name && accepts(found) ? found : undefined
    if (usable !== undefined) routes.set(name, usable)
    return usable
  }
  return fallbackChain(route.logicalName, (name) => lookUp(name)?.routing?.fallback ?? (lookUp(name) === undefined ? undefined : [])).flatMap((name) => {
    const found = routes.get(name)
    return found === undefined ? [] : [{ ...routedModelOf(found), route: found }]
  })
}

/** The route of the deployment an attempt went to: its logical model, backend and upstream id. */
function answeringRoute<B>(attempt: Attempt<B, ChainLink<B>>): ModelRoute<B> {
  return { ...attempt.model.route, upstreamModel: attempt.deployment.upstreamModel, backend: attempt.deployment.backend }
}

/** The attempts so far, for the answer's `x-gateway-attempts` (HTTP callers only). */
function reportAttempts(meta: CallMeta, reports: readonly AttemptReport[]): void {
  if (meta.headers !== undefined) meta.headers[ATTEMPTS_HEADER] = attemptsHeader(reports)
}
