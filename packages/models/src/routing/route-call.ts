import { toOpenAIError, type GatewayError } from "@harper-gateway/translate"
import type { AttemptReport } from "./attempts-header.ts"
import type { Deployment, DeploymentPool } from "./deployment-pool.ts"
import { failureClass, retryDelayMs, type FallbackOn, type RetryPolicy } from "./retry-policy.ts"
import { failureSource } from "./failure-source.ts"
import { withoutRetry } from "./without-retry.ts"

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
  /** `attempts` 0: nothing was tried (a chain without deployments). */
  | { readonly ok: false; readonly reason: GatewayError; readonly attempts: number }

/** What a call brings to its routing besides its chain. */
export interface RouteOptions {
  readonly clock: RoutingClock
  readonly signal: AbortSignal
  /** Upstream attempts the call may make in all, across deployments, retries and fallbacks (at least 1). */
  readonly maxAttempts: number
  /** Whose call it is: its own failures cool a deployment for it; for everyone only those of several tenants (cooldown.ts, failure-source.ts). */
  readonly tenant: string | null
  readonly onReport?: (reports: readonly AttemptReport[]) => void
}

/**
 * The attempt loop. For each model of the chain in turn: try a deployment the pool picks;
 * on a retryable failure, go at once to another deployment of the model that has not
 * failed in this call, or, when none is left, wait (the upstream's retry-after, else
 * full-jitter backoff) and try the model again, up to `retries.max` retries; then the next
 * model. A refusal the config lists in `fallbackOn` goes straight to the next model; any
 * other failure ends the call. A deployment cooling (for everyone, or for the call's
 * tenant) is skipped, but never refuses a call: when every deployment of the chain is
 * cooling, the least recently failed one is tried.
 * The call makes at most `maxAttempts` attempts; another attempt on the same model is made
 * only while the budget keeps one for each fallback still ahead; a call that made more
 * than one attempt and spent its budget tells the client not to retry
 * (`x-should-retry: false`). `run` performs one attempt (and its accounting); `onReport`
 * gets the attempts so far after each one. The caller calls `release` when a successful
 * call is over (a stream's end), so "least outstanding" counts streams in flight.
 */
export async function routeCall<B, R, M extends RoutedModel<B> = RoutedModel<B>>(chain: readonly M[], run: (attempt: Attempt<B, M>) => Promise<AttemptOutcome<R>>, options: RouteOptions): Promise<RoutedCall<B, R, M>> {
  const { clock, signal } = options
  const budget = Math.max(1, options.maxAttempts)
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
    // Only a call that retried itself says "do not retry": one attempt leaves the client's retries to the client.
    return { ok: false, reason: number > 1 && number >= budget ? withoutRetry(reason) : reason, attempts: number }
  }
  const forced = everyDeploymentCooling(chain, clock.now(), options.tenant)
  const order = forced === undefined ? chain : [forced, ...chain.filter((m) => m !== forced)]

  for (const [index, model] of order.entries()) {
    if (number >= budget) break
    /** The fallbacks after this model, each kept one attempt of the budget. */
    const ahead = order.length - index - 1
    const excluded = new Set<Deployment<B>>()
    const scope = { excluded, tenant: options.tenant }
    let retries = 0
    for (;;) {
      const now = clock.now()
      const lease = model.pool.pick(now, scope, clock.random) ?? (model === forced ? model.pool.force(now, scope) : undefined)
      if (lease === undefined) break
      try {
        recordPrevious(false)
      } catch (error) {
        // The row of the attempt before could not be written: the deployment just taken is given back untried.
        lease.neutral()
        lease.release()
        throw error
      }
      const attempt: Attempt<B, M> = { model, deployment: lease.deployment, number: ++number }
      let outcome: AttemptOutcome<R>
      try {
        outcome = await run(attempt)
      } catch (error) {
        // `run` reports failures as outcomes; a throw is a bug, and still frees the deployment.
        lease.neutral()
        lease.release()
        throw error
      }
      if (outcome.ok) {
        lease.succeeded()
        report(attempt, undefined)
        return { ok: true, value: outcome.value, attempt, release: lease.release }
      }
      const kind = failureClass(outcome.reason, model.fallbackOn)
      if (kind === "retry" || kind === "deployment") lease.failed(clock.now(), failureSource(outcome.reason, options.tenant))
      else lease.neutral()
      lease.release()
      report(attempt, outcome.reason)
      last = outcome.reason
      unrecorded = outcome.record
      if (kind === "stop") return failed(outcome.reason)
      if (kind === "fallback") break
      excluded.add(lease.deployment)
      if (budget - number <= ahead) break
      // A deployment that cannot serve anyone: the model's other deployments, without waiting or spending a retry.
      if (kind === "deployment") continue
      if (retries >= model.retries.max) break
      if (model.pool.canPick(clock.now(), scope)) {
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

/**
 * When no model of the chain has a deployment a call may try now (all cooling, or their
 * probes out): the model holding the least recently failed deployment, which is tried
 * anyway. A cooldown reorders or skips among alternatives; it never refuses a call alone.
 */
function everyDeploymentCooling<B, M extends RoutedModel<B>>(chain: readonly M[], now: number, tenant: string | null): M | undefined {
  const scope = { excluded: new Set<Deployment<B>>(), tenant }
  if (chain.some((m) => m.pool.canPick(now, scope))) return undefined
  let found: { model: M; at: number } | undefined
  for (const model of chain) {
    const at = model.pool.forcedFailedAt(scope)
    if (at !== undefined && (found === undefined || at < found.at)) found = { model, at }
  }
  return found?.model
}
