import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"

/**
 * What a bench ran on, printed with its figures: two runs that disagree are first
 * compared on these (another process busy, another commit, another CPU) before anyone
 * reads the gateway into the difference.
 */
export interface MachineFacts {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGb: number
  readonly commit: string
  /** Whether the working tree had uncommitted changes. */
  readonly dirty: boolean
  readonly loadAverage1m: number
  /** The share of all cores busy during a quiet second before the run (other processes than the bench's). */
  readonly busyBeforeShare: number
  /** The share of all cores' time the hypervisor gave to other guests during the run (/proc/stat steal): a VM's neighbours, invisible to `top`. */
  readonly stealShare?: number
}

/** /proc/stat's first line: total, idle and stolen jiffies of all cores. */
function cpuJiffies(): { total: number; idle: number; steal: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0)
  return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0), steal: fields[7] ?? 0 }
}

/** Starts counting the run's stolen time; the function it gives is the share stolen since. */
export function stealMeter(): () => number {
  const start = cpuJiffies()
  return () => {
    const now = cpuJiffies()
    const total = now.total - start.total
    return total > 0 ? (now.steal - start.steal) / total : Number.NaN
  }
}

function git(args: readonly string[], cwd: string): string {
  try {
    return execFileSync("git", [...args], { cwd, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim()
  } catch {
    // Not a git checkout (a packed copy): the facts say so rather than failing the run.
    return ""
  }
}

/** Samples the machine for `quietMs` before anything of the bench runs. */
export async function machineFacts(repository: string, quietMs = 1_000): Promise<MachineFacts> {
  const before = cpuJiffies()
  await new Promise((resolve) => setTimeout(resolve, quietMs))
  const after = cpuJiffies()
  const total = after.total - before.total
  return {
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGb: totalmem() / 1024 ** 3,
    commit: git(["rev-parse", "--short=12", "HEAD"], repository) || "unknown",
    dirty: git(["status", "--porcelain", "--untracked-files=no"], repository) !== "",
    loadAverage1m: loadavg()[0] ?? Number.NaN,
    busyBeforeShare: total > 0 ? 1 - (after.idle - before.idle) / total : Number.NaN,
  }
}

/** One sentence for the report; a busy machine is called out, because its figures are not comparable. */
export function describeMachine(facts: MachineFacts): string {
  const busy = `${(facts.busyBeforeShare * 100).toFixed(0)}% busy in a quiet second before the run, load average ${facts.loadAverage1m.toFixed(2)}`
  const warning = facts.busyBeforeShare > 0.1 ? " (**other processes were running: these figures are not comparable with a quiet run**)" : ""
  const steal =
    facts.stealShare === undefined
      ? ""
      : ` During the run the hypervisor took ${(facts.stealShare * 100).toFixed(1)}% of the cores' time for other guests${facts.stealShare > 0.02 ? " (**a busy host: absolute figures run slower than on a quiet one; compare the ratios**)" : ""}.`
  return `Commit ${facts.commit}${facts.dirty ? " with uncommitted changes" : ""}, on ${facts.cores} × ${facts.cpuModel}, ${facts.memoryGb.toFixed(0)} GB; the machine was ${busy}${warning}.${steal}`
}
