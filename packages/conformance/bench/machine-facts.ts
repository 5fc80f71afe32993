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
}

/** /proc/stat's first line: total and idle jiffies of all cores. */
function cpuJiffies(): { total: number; idle: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number)
  const total = fields.reduce((sum, value) => sum + value, 0)
  // idle + iowait
  return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0) }
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
  return `Commit ${facts.commit}${facts.dirty ? " with uncommitted changes" : ""}, on ${facts.cores} × ${facts.cpuModel}, ${facts.memoryGb.toFixed(0)} GB; the machine was ${busy}${warning}.`
}
