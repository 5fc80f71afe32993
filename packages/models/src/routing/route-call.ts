import { toOpenAIError, type GatewayError } from "@harper-gateway/translate"
import type { AttemptReport } from "./attempts-header.ts"
import type { Deployment, DeploymentPool } from "./deployment-pool.ts"
import { failureClass, retryDelayMs, type FallbackOn, type RetryPolicy } from "./retry-policy.ts"

/** Time and chance, injected: the loop never reads a clock or draws a number itself. */
export interface RoutingClock {
  /** Epoch milliseconds. */
  now(): number
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>
  /** In [0, 1). */
  random(): number
}

/** One logical model of a call's chain: its deployments and how to retry them. */
export interface RoutedModel<B> {
  readonly logicalName: string
  readonly pool: DeploymentPool<B>
  readonly retries: RetryPolicy
  readonly fallbackOn: FallbackOn
}

export interface Attempt<B, M extends RoutedModel<B> = RoutedModel<B>> {
  readonly model: M
  readonly deployment: Deployment<B>
  /** 1, 2, … across the whole call. */
  readonly number: number
}

/**
 * How one attempt went. A failure's row is written by `record` once the loop knows
 * whether another attempt follows (`last`), so every row says whether it was the call's last.
 */
export type AttemptOutcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly reason: GatewayError; readonly record: (last: boolean) => void }

export type RoutedCall<B, R, M extends RoutedModel<B> = RoutedModel<B>> =
  | { readonly ok: true; readonly value: R; readonly attempt: Attempt<B, M>; readonly release: () => void }
  /** `attempts` 0: nothing was tried (every deployment of the chain is cooling down). */
  | { readonly ok: false; readonly reason: GatewayError; readonly attempts: number }

/**
 * The attempt loop. For each model of the chain in turn: try a deployment the pool picks;
 * on a retryable failure, go at once to another deployment of the model that has not
 * failed in this call, or, when none is left, wait (the upstream's retry-after, else
 * full-jitter backoff) and try the model again, up to `retries.max` retries; then the next
 * model. A refusal the config lists in `fallbackOn` goes straight to the next model; any
 * other failure ends the call. `run` performs one attempt (and its accounting); `onReport`
 * gets the attempts so far after each one. The caller calls `release` when a successful
 * call is over (a stream's end), so "least outstanding" counts streams in flight.
 */
export async function routeCall<B, R, M extends RoutedModel<B> = RoutedModel<B>>(
  chain: readonly M[],
  run: (attempt: Attempt<B, M>) => Promise<AttemptOutcome<R>>,
  options: { readonly clock: RoutingClock; readonly signal: AbortSignal; readonly onReport?: (reports: readonly AttemptReport[]) => void },
): Promise<RoutedCall<B, R, M>> {
  const { clock, signal } = options
  const reports: AttemptReport[] = []
  let number = 0
  let last: GatewayError | undefined
  let unrecorded: ((last: boolean) => void) | undefined
  const recordPrevious = (isLast: boolean) => {
    unrecorded?.(isLast)
    unrecorded = undefined
  }
  const report = (attempt: Attempt<B, M>, error: GatewayError | undefined) => {
    const response = error === undefined ? undefined : toOpenAIError(error)
    reports.push({ logicalModel: attempt.model.logicalName, deployment: attempt.deployment.label, status: response?.status ?? 200, code: response?.body.error.code ?? null })
    options.onReport?.(reports)
  }
  const failed = (reason: GatewayError): RoutedCall<B, R, M> => {
    recordPrevious(true)
    return { ok: false, reason, attempts: number }
  }

  for (const model of chain) {
    const excluded = new Set<Deployment<B>>()
    let retries = 0
    for (;;) {
      const lease = model.pool.pick(clock.now(), excluded, clock.random)
      if (lease === undefined) {
        last ??= coolingDown(model, clock.now())
        break
      }
      try {
        recordPrevious(false)
      } catch (error) {
        // The row of the attempt before could not be written: the deployment just taken is given back untried.
        lease.failed(clock.now(), false)
        lease.release()
        throw error
      }
      const attempt: Attempt<B, M> = { model, deployment: lease.deployment, number: ++number }
      let outcome: AttemptOutcome<R>
      try {
        outcome = await run(attempt)
      } catch (error) {
        // `run` reports failures as outcomes; a throw is a bug, and still frees the deployment.
        lease.failed(clock.now(), false)
        lease.release()
        throw error
      }
      if (outcome.ok) {
        lease.succeeded()
        report(attempt, undefined)
        return { ok: true, value: outcome.value, attempt, release: lease.release }
      }
      const kind = failureClass(outcome.reason, model.fallbackOn)
      lease.failed(clock.now(), kind === "retry" || kind === "deployment")
      lease.release()
      report(attempt, outcome.reason)
      last = outcome.reason
      unrecorded = outcome.record
      if (kind === "stop") return failed(outcome.reason)
      if (kind === "fallback") break
      excluded.add(lease.deployment)
      // A deployment that cannot serve anyone: the model's other deployments, without waiting or spending a retry.
      if (kind === "deployment") continue
      if (retries >= model.retries.max) break
      if (model.pool.canPick(clock.now(), excluded)) {
        retries++
        continue
      }
      const delay = retryDelayMs(outcome.reason, retries, model.retries, clock.random)
      if (delay === undefined) break
      retries++
      await clock.sleep(delay, signal)
      if (signal.aborted) return failed({ _tag: "Cancelled" })
      excluded.clear()
    }
  }
  return failed(last ?? { _tag: "UpstreamUnavailable" })
}

/** Every deployment of the model is cooling down: a 503 whose retry-after is when the first is back. */
function coolingDown<B>(model: RoutedModel<B>, now: number): GatewayError {
  const back = model.pool.firstBackAt(now)
  return {
    _tag: "UpstreamUnavailable",
    message: `Every deployment of the model ${JSON.stringify(model.logicalName)} is cooling down after repeated failures. Please retry after the delay given in the retry-after header.`,
    ...(back === undefined ? {} : { retryAfterMs: Math.max(0, back - now) }),
  }
}
