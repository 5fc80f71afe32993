import { expect, it } from "vitest"
import { describeMachine, machineFacts, stealMeter } from "../bench/machine-facts.ts"

const quiet = { cpuModel: "Test CPU", cores: 2, memoryGb: 8, commit: "abc123def456", dirty: false, loadAverage1m: 0.05, busyBeforeShare: 0.02 }

it("names the commit, the CPU and the machine's load", () => {
  expect(describeMachine(quiet)).toBe("Commit abc123def456, on 2 × Test CPU, 8 GB; the machine was 2% busy in a quiet second before the run, load average 0.05.")
})

it("calls out a busy machine and a dirty tree", () => {
  const text = describeMachine({ ...quiet, dirty: true, busyBeforeShare: 0.35 })
  expect(text).toContain("with uncommitted changes")
  expect(text).toContain("35% busy")
  expect(text).toContain("not comparable with a quiet run")
})

it("says how much time the hypervisor took, and calls a busy host out", () => {
  expect(describeMachine({ ...quiet, stealShare: 0.004 })).toContain("took 0.4% of the cores' time for other guests.")
  expect(describeMachine({ ...quiet, stealShare: 0.06 })).toContain("6.0% of the cores' time for other guests (**a busy host")
})

it("measures stolen time as a share", () => {
  const share = stealMeter()()
  expect(Number.isNaN(share) || (share >= 0 && share <= 1)).toBe(true)
})

it("samples this machine", async () => {
  const facts = await machineFacts(process.cwd(), 50)
  expect(facts.cores).toBeGreaterThan(0)
  expect(facts.busyBeforeShare).toBeGreaterThanOrEqual(0)
  expect(facts.busyBeforeShare).toBeLessThanOrEqual(1)
  expect(facts.commit).toMatch(/^[0-9a-f]{12}$|^unknown$/)
})
