import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs"
import { join } from "node:path"
import { fromJournalLine, type ModelCallRecord } from "@harper-gateway/models"

/**
 * A write-ahead journal for accounting rows. Harper 4.7 exits at once on SIGTERM (no
 * worker gets to finish an async write), so every row is first appended to a local
 * file with a synchronous write (the rows of one loop turn in one write); the batch writer deletes a segment once every row in
 * it is stored. A call's "started" line (outcome `interrupted`) is written before its
 * backend is called and its final row under the same id after, so a crash leaves an
 * `interrupted` row for each call in flight.
 *
 * Layout: one folder per writer, `<run id>.<worker>`, where the run id names this start
 * of the process (the same in all its worker threads). Folders of other runs are
 * leftovers: a worker claims one by renaming it into its own run (an atomic rename, so
 * exactly one worker replays each), stores its rows, then removes it. Folders of the
 * current run are never claimed, whatever the pid.
 */
export interface Journal {
  /** Appends one line per row in one synchronous write; returns the segment they went to. */
  append(rows: readonly ModelCallRecord[]): string
  /** Starts a new segment; returns the one that was being written (to delete once its rows are stored). */
  rotate(): string | undefined
  remove(segment: string): void
}

export function openJournal(directory: string, runId: string, worker: string): Journal {
  const folder = join(directory, `${runId}.${worker}`)
  mkdirSync(folder, { recursive: true })
  let sequence = 0
  let current: { readonly path: string; readonly fd: number } | undefined
  return {
    append(rows) {
      current ??= open()
      // One write for the group (call-recorder.ts groups the rows of a loop turn): one syscall, not one a row.
      writeSync(current.fd, rows.map((row) => `${JSON.stringify(row)}\n`).join(""))
      return current.path
    },
    rotate() {
      if (current === undefined) return undefined
      closeSync(current.fd)
      const path = current.path
      current = undefined
      return path
    },
    remove(segment) {
      removeQuietly(segment)
    },
  }
  function open() {
    const path = join(folder, `${Date.now()}-${String(sequence++).padStart(6, "0")}.jsonl`)
    return { path, fd: openSync(path, "a") }
  }
}

/**
 * Takes every leftover of other runs for this worker: folders by rename, and loose
 * segments of the layout before folders (`<pid>-<thread>-….jsonl`) one by one into a
 * folder of its own. Also returns this worker's earlier claims it has not finished.
 */
export function claimLeftovers(directory: string, runId: string, worker: string): readonly string[] {
  if (!existsSync(directory)) return []
  const ownClaim = `${runId}.${worker}.claim-`
  const claimed: string[] = []
  let sequence = 0
  const claimFolder = () => join(directory, `${ownClaim}${Date.now()}-${sequence++}`)
  let looseFolder: string | undefined
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const from = join(directory, entry.name)
    if (entry.name.startsWith(ownClaim)) {
      claimed.push(from)
    } else if (entry.name.startsWith(`${runId}.`)) {
      // a live writer of this run, or another worker's claim: left alone
    } else if (entry.isDirectory()) {
      const to = claimFolder()
      if (renameQuietly(from, to)) claimed.push(to)
    } else if (entry.name.endsWith(".jsonl")) {
      if (looseFolder === undefined) {
        looseFolder = claimFolder()
        mkdirSync(looseFolder)
        claimed.push(looseFolder)
      }
      renameQuietly(from, join(looseFolder, entry.name))
    }
  }
  return claimed
}

/**
 * The rows to store from a claimed folder, one segment at a time (memory stays at one
 * segment however long the journal grew while writes failed): every final row, and the
 * started line of each call that never ended, as its `interrupted` row. A writer
 * journals a call's started line before its final row, so one pass in journal order
 * finds the calls that never ended.
 */
export function* claimedRows(folder: string): Generator<readonly ModelCallRecord[]> {
  let names: string[]
  try {
    names = readdirSync(folder)
      .filter((name) => name.endsWith(".jsonl"))
      .sort()
  } catch {
    return
  }
  const segments = names.map((name) => join(folder, name))
  const unfinished = new Set<string>()
  for (const segment of segments) {
    for (const row of readSegment(segment)) {
      if (row.outcome === "interrupted") unfinished.add(row.id)
      else unfinished.delete(row.id)
    }
  }
  for (const segment of segments) {
    const rows = readSegment(segment).filter((row) => row.outcome !== "interrupted" || unfinished.has(row.id))
    if (rows.length > 0) yield rows
  }
}

/** All of a claimed folder's rows at once (tests; the replay goes segment by segment). */
export function readClaimed(folder: string): ModelCallRecord[] {
  return [...claimedRows(folder)].flat()
}

export function removeClaimed(folder: string): void {
  rmSync(folder, { recursive: true, force: true })
}

export function readSegment(path: string): ModelCallRecord[] {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch {
    return [] // removed meanwhile
  }
  const rows: ModelCallRecord[] = []
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      continue // a line cut by a crash mid-write: it can only be the segment's last
    }
    const row = fromJournalLine(value)
    if (row !== undefined) rows.push(row)
  }
  return rows
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already removed
  }
}

function renameQuietly(from: string, to: string): boolean {
  try {
    renameSync(from, to)
    return true
  } catch {
    return false // another worker claimed it first
  }
}
