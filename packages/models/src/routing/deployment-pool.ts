import { createCooldown, type Cooldown, type CooldownPolicy } from "./cooldown.ts"

export type DeploymentStrategy = "weighted-random" | "least-outstanding"

/** One way to serve a logical model: its own backend (key, region, host) and upstream id. */
export interface Deployment<B> {
  /** Names it in the attempts header and the rows: the config's `name`, else its index. Never a host or key. */
  readonly label: string
  readonly upstreamModel: string
  readonly backend: B
  readonly weight: number
}

/** A deployment taken for one attempt: say how it went, and release it when the call is over. */
export interface Lease<B> {
  readonly deployment: Deployment<B>
  succeeded(): void
  /** `unwell`: the failure counts toward the deployment's cooldown. */
  failed(now: number, unwell: boolean): void
  /** Idempotent; a stream releases when it ends. */
  release(): void
}

/**
 * A logical model's deployments, picked per attempt by weighted random choice or by
 * fewest calls in flight (ties by weight), skipping those in cooldown. State is per
 * worker thread.
 */
export interface DeploymentPool<B> {
  readonly deployments: readonly Deployment<B>[]
  /** A deployment to try now, not in `excluded` and not cooling; undefined when there is none. */
  pick(now: number, excluded: ReadonlySet<Deployment<B>>, random: () => number): Lease<B> | undefined
  /** Whether `pick` would find one (without taking it). */
  canPick(now: number, excluded: ReadonlySet<Deployment<B>>): boolean
  /** When the first of the cooling deployments is back, if any is cooling. */
  firstBackAt(now: number): number | undefined
}

export function createDeploymentPool<B>(deployments: readonly Deployment<B>[], strategy: DeploymentStrategy, cooldown: CooldownPolicy): DeploymentPool<B> {
  const state = new Map<Deployment<B>, { breaker: Cooldown; outstanding: number }>(deployments.map((d) => [d, { breaker: createCooldown(cooldown), outstanding: 0 }]))
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
        return weightedChoice(candidates.filter((d) => of(d).outstanding === fewest), random)
      }
      default: {
        const unreachable: never = strategy
        return unreachable
      }
    }
  }
  const candidatesAt = (now: number, excluded: ReadonlySet<Deployment<B>>) => deployments.filter((d) => !excluded.has(d) && of(d).breaker.canTry(now))
  return {
    deployments,
    canPick: (now, excluded) => candidatesAt(now, excluded).length > 0,
    pick(now, excluded, random) {
      const candidates = candidatesAt(now, excluded)
      const deployment = choose(candidates, random)
      if (deployment === undefined) return undefined
      const entry = of(deployment)
      const probe = entry.breaker.begin(now)
      entry.outstanding++
      let released = false
      return {
        deployment,
        succeeded: () => entry.breaker.succeeded(),
        failed: (at, unwell) => (unwell ? entry.breaker.failed(at, probe) : entry.breaker.neutral(probe)),
        release() {
          if (released) return
          released = true
          entry.outstanding--
        },
      }
    },
    firstBackAt(now) {
      const times = deployments.map((d) => of(d).breaker.coolingUntil(now)).filter((t) => t !== undefined)
      return times.length === 0 ? undefined : Math.min(...times)
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
