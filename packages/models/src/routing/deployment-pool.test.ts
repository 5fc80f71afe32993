import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createDeploymentPool, weightedChoice, type Deployment } from "./deployment-pool.ts"

const deployment = (label: string, weight = 1): Deployment<string> => ({ label, upstreamModel: `m-${label}`, backend: label, weight })
const scope = (excluded: readonly Deployment<string>[] = [], tenant: string | null = null) => ({ excluded: new Set(excluded), tenant })
const NONE = scope()
const cooldown = { enabled: true, failures: 2, windowMs: 1_000, cooldownMs: 10_000, tenantSlots: 8 }

describe("weighted random choice", () => {
  it("picks each deployment with probability weight / total (the random point falls in its share)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (weights, r) => {
        const ds = weights.map((w, i) => deployment(String(i), w))
        const chosen = weightedChoice(ds, () => r)
        const index = chosen === undefined ? -1 : ds.indexOf(chosen)
        const total = weights.reduce((a, b) => a + b, 0)
        const start = weights.slice(0, index).reduce((a, b) => a + b, 0)
        // The chosen one's share of [0, total) holds the point r·total.
        expect(start).toBeLessThanOrEqual(r * total)
        expect(r * total).toBeLessThan(start + weights[index]! + 1e-9)
      }),
    )
  })

  it("over many draws, the counts follow the weights (3:1)", () => {
    const ds = [deployment("a", 3), deployment("b", 1)]
    let seed = 1
    // A fixed LCG: the same draws on every run.
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    let a = 0
    for (let i = 0; i < 8_000; i++) if (weightedChoice(ds, random)?.label === "a") a++
    expect(a / 8_000).toBeGreaterThan(0.72)
    expect(a / 8_000).toBeLessThan(0.78)
  })
})

describe("the deployment pool", () => {
  it("least-outstanding picks the idle deployment", () => {
    const pool = createDeploymentPool([deployment("a"), deployment("b"), deployment("c")], { strategy: "least-outstanding", cooldown })
    const first = pool.pick(0, NONE, () => 0)!
    const second = pool.pick(0, NONE, () => 0)!
    expect([first.deployment.label, second.deployment.label]).toEqual(["a", "b"])
    expect(pool.pick(0, NONE, () => 0.99)!.deployment.label).toBe("c")
    first.release()
    first.release() // idempotent
    expect(pool.pick(0, NONE, () => 0.99)!.deployment.label).toBe("a")
  })

  it("skips a deployment in cooldown, and a successful probe after the cooldown brings it back", () => {
    const pool = createDeploymentPool([deployment("a"), deployment("b")], { strategy: "weighted-random", cooldown })
    const pickA = (now: number) => pool.pick(now, NONE, () => 0)
    for (const t of [0, 1]) {
      const lease = pickA(t)!
      expect(lease.deployment.label).toBe("a")
      lease.failed(t, null)
      lease.release()
    }
    // Cooling: even a draw that lands on `a` gets `b`.
    expect(pickA(500)!.deployment.label).toBe("b")
    const probe = pickA(10_001)!
    expect(probe.deployment.label).toBe("a")
    // While the probe is out, nobody else gets `a`.
    expect(pickA(10_002)!.deployment.label).toBe("b")
    probe.succeeded()
    probe.release()
    expect(pickA(10_003)!.deployment.label).toBe("a")
  })

  it("a failure that is not the deployment's fault does not cool it; excluded deployments are not picked", () => {
    const pool = createDeploymentPool([deployment("a"), deployment("b")], { strategy: "weighted-random", cooldown })
    for (const t of [0, 1, 2]) pool.pick(t, NONE, () => 0)!.neutral()
    const a = pool.deployments[0]!
    expect(pool.pick(3, NONE, () => 0)!.deployment.label).toBe("a")
    expect(pool.pick(3, scope([a!]), () => 0)!.deployment.label).toBe("b")
    expect(pool.pick(3, scope(pool.deployments), () => 0)).toBeUndefined()
  })

  it("force takes the least recently failed deployment, cooling or not; a success through it ends its cooldown", () => {
    const pool = createDeploymentPool([deployment("a"), deployment("b"), deployment("c")], { strategy: "weighted-random", cooldown })
    const [a, b, c] = pool.deployments
    const fail = (d: Deployment<string>, t: number) => {
      const lease = pool.pick(t, scope(pool.deployments.filter((x) => x !== d)), () => 0)!
      lease.failed(t, null)
      lease.release()
    }
    for (const [d, t] of [
      [b, 1],
      [b, 2],
      [a, 3],
      [a, 4],
      [c, 5],
      [c, 6],
    ] as const)
      fail(d!, t)
    expect(pool.canPick(7, NONE)).toBe(false)
    expect(pool.forcedFailedAt(NONE)).toBe(2)
    const forced = pool.force(7, NONE)!
    expect(forced.deployment.label).toBe("b")
    expect(pool.force(7, scope([b!]))!.deployment.label).toBe("a")
    forced.succeeded()
    expect(pool.pick(8, NONE, () => 0)!.deployment.label).toBe("b")
    expect(pool.force(8, scope(pool.deployments))).toBeUndefined()
  })

  it("pools given the same slots share cooldowns (the node's threads); calls in flight stay their own", () => {
    const slots = new Map<string, BigInt64Array>()
    const shared = (label: string, length: number) => slots.get(label) ?? slots.set(label, new BigInt64Array(new SharedArrayBuffer(length * 8))).get(label)!
    const thread1 = createDeploymentPool([deployment("a"), deployment("b")], { strategy: "least-outstanding", cooldown, slots: shared })
    const thread2 = createDeploymentPool([deployment("a"), deployment("b")], { strategy: "least-outstanding", cooldown, slots: shared })
    for (const t of [0, 1]) thread1.pick(t, scope([thread1.deployments[1]!]), () => 0)!.failed(t, null)
    expect(thread2.pick(2, NONE, () => 0)!.deployment.label).toBe("b")
    expect(thread2.pick(2, NONE, () => 0)!.deployment.label).toBe("b") // `a` is cooling, whatever is in flight
    expect(thread1.pick(2, scope([thread1.deployments[1]!]), () => 0)).toBeUndefined()
  })

  it("a deployment cooling for one tenant is skipped for that tenant only", () => {
    const pool = createDeploymentPool([deployment("a"), deployment("b")], { strategy: "weighted-random", cooldown })
    const [, b] = pool.deployments
    for (const t of [0, 1]) pool.pick(t, scope([b!]), () => 0)!.failed(t, "tenant-b")
    expect(pool.pick(2, scope([], "tenant-b"), () => 0)!.deployment.label).toBe("b")
    expect(pool.pick(2, scope([], "tenant-a"), () => 0)!.deployment.label).toBe("a")
    expect(pool.canPick(2, scope([b!], "tenant-b"))).toBe(false)
    expect(pool.canPick(2, scope([b!], "tenant-a"))).toBe(true)
  })
})
