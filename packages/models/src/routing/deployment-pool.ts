import { cooldownSlotCount, createCooldown, type Cooldown, type CooldownPolicy } from "./cooldown.ts"

type DeploymentStrategy = "weighted-random" | "least-outstanding"

/** One way to serve a logical model: its own backend (key, region, host) and upstream id. */
export interface Deployment<B> {
  /** Names it in the attempts header and the rows: the config's `name`, else its index. Never a host or key. */
  readonly label: string
  readonly upstreamModel: string
  readonly backend: B
  readonly weight: number
}

/** Which deployments a pick may take: not those the call excluded, nor those cooling for everyone or for its tenant. */
interface PickScope<B> {
  readonly excluded: ReadonlySet<Deployment<B>>
  readonly tenant: string | null
}

/** A deployment taken for one attempt: say how it went, and release it when the call is over. */
interface Lease<B> {
  readonly deployment: Deployment<B>
  succeeded(): void
  /** A failure that says the deployment is unwell, charged to `tenant` (null: anyone's): it counts toward the cooldown. */
  failed(now: number, tenant: string | null): void
  /** The attempt ended without a verdict on the deployment (the request's fault, or the gateway's own). */
  neutral(): void
  /** Idempotent; a stream releases when it ends. */
  release(): void
}

/**
 * A logical model's deployments, picked per attempt by weighted random choice or by
 * fewest calls in flight (ties by weight), skipping those in cooldown. Calls in flight are
 * per worker thread; cooldowns live in the slots given (per node), else per thread.
 */
export interface DeploymentPool<B> {
  readonly deployments: readonly Deployment<B>[]
  /** A deployment to try now in `scope`; undefined when there is none. */
  pick(now: number, scope: PickScope<B>, random: () => number): Lease<B> | undefined
  /** Whether `pick` would find one (without taking it). */
  canPick(now: number, scope: PickScope<B>): boolean
  /**
   * The least recently failed deployment not in `excluded`, cooling or not: when every
   * deployment a call could use is cooling, it is tried rather than the call refused.
   */
  force(now: number, scope: PickScope<B>): Lease<B> | undefined
  /** When the deployment `force` would take last failed (-1: never); undefined when every one is excluded. */
  forcedFailedAt(scope: PickScope<B>): number | undefined
}

export interface PoolOptions {
  readonly strategy: DeploymentStrategy
  readonly cooldown: CooldownPolicy
  /** A deployment's cooldown slots (`length` of them), by its label (shared by the node's threads); absent: this pool's own. */
  readonly slots?: (label: string, length: number) => BigInt64Array
}

export function createDeploymentPool<B>(deployments: readonly Deployment<B>[], options: PoolOptions): DeploymentPool<B> {
  const { strategy, cooldown } = options
  const slotsOf = (d: Deployment<B>) => options.slots?.(d.label, cooldownSlotCount(cooldown))
  const state = new Map<Deployment<B>, { breaker: Cooldown; outstanding: number }>(deployments.map((d) => [d, { breaker: createCooldown(cooldown, slotsOf(d)), outstanding: 0 }]))
  const of = (deployment: Deployment<B>) => {
    const found = state.get(deployment)
    if (found === undefined) throw new Error(`deployment ${deployment.label} is not in this pool`)
    return found
  }
  const choose = (candidates: readonly Deployment<B>[], random: () => number): Deployment<B> | undefined => {
    switch (strategy) {
      case "weighted-random":
        return weightedChoice(candidates, random)
      case "least-outstanding": {
        const fewest = Math.min(...candidates.map((d) => of(d).outstanding))
        return weightedChoice(
          candidates.filter((d) => of(d).outstanding === fewest),
          random,
        )
      }
      default: {
        const unreachable: never = strategy
        return unreachable
      }
    }
  }
  const candidatesAt = (now: number, scope: PickScope<B>) => deployments.filter((d) => !scope.excluded.has(d) && of(d).breaker.canTry(now, scope.tenant))
  const leastRecentlyFailed = (scope: PickScope<B>): Deployment<B> | undefined => {
    let found: Deployment<B> | undefined
    for (const d of deployments) if (!scope.excluded.has(d) && (found === undefined || of(d).breaker.lastFailedAt() < of(found).breaker.lastFailedAt())) found = d
    return found
  }
  const lease = (deployment: Deployment<B>, now: number, tenant: string | null): Lease<B> => {
    const entry = of(deployment)
    const probe = entry.breaker.begin(now)
    entry.outstanding++
    let released = false
    return {
      deployment,
      succeeded: () => entry.breaker.succeeded(tenant),
      failed: (at, tenant) => entry.breaker.failed(at, probe, tenant),
      neutral: () => entry.breaker.neutral(probe),
      release() {
        if (released) return
        released = true
        entry.outstanding--
      },
    }
  }
  return {
    deployments,
    canPick: (now, scope) => candidatesAt(now, scope).length > 0,
    pick(now, scope, random) {
      const deployment = choose(candidatesAt(now, scope), random)
      return deployment === undefined ? undefined : lease(deployment, now, scope.tenant)
    },
    force(now, scope) {
      const deployment = leastRecentlyFailed(scope)
      return deployment === undefined ? undefined : lease(deployment, now, scope.tenant)
    },
    forcedFailedAt(scope) {
      const deployment = leastRecentlyFailed(scope)
      return deployment === undefined ? undefined : of(deployment).breaker.lastFailedAt()
    },
  }
}

/** A deployment with probability weight / total weight; `random` is in [0, 1). */
export function weightedChoice<D extends { readonly weight: number }>(candidates: readonly D[], random: () => number): D | undefined {
  // No draw when there is no choice (the jitter's draws stay the jitter's).
  if (candidates.length <= 1) return candidates[0]
  const total = candidates.reduce((sum, d) => sum + d.weight, 0)
  let point = random() * total
  for (const candidate of candidates) {
    if (point < candidate.weight) return candidate
    point -= candidate.weight
  }
  // Rounding can leave the point at the very end: the last one.
  return candidates.at(-1)
}
