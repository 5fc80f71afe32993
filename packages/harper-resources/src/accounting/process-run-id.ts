import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"

/**
 * Names this run of the process: the same in every worker thread of it (threads cannot
 * share a random id without the main thread, which plugins do not run on), and new at
 * every start even when the pid repeats (Harper as PID 1 in a container restarted).
 * On Linux: the kernel's boot id, the pid and the process start time in clock ticks,
 * which together never repeat. Elsewhere: the pid and the start time to the second
 * (two threads compute it within a millisecond of each other).
 */
export function processRunId(readText: (path: string) => string = (path) => readFileSync(path, "utf8")): string {
  const parts = linuxIdentity(readText) ?? [String(process.pid), String(Math.round(Date.now() / 1000 - process.uptime()))]
  return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 16)
}

function linuxIdentity(readText: (path: string) => string): readonly string[] | undefined {
  try {
    const bootId = readText("/proc/sys/kernel/random/boot_id").trim()
    const stat = readText("/proc/self/stat")
    // Fields after the command name (which may hold spaces and parentheses); starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const startTicks = fields[19]
    if (bootId === "" || startTicks === undefined || !/^\d+$/.test(startTicks)) return undefined
    return [bootId, String(process.pid), startTicks]
  } catch {
    return undefined
  }
}
