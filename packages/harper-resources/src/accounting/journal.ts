import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs"
import { join } from "node:path"
import { isModelCallRecord, type ModelCallRecord } from "./model-call-record.ts"

/**
 * A write-ahead journal for accounting rows. Harper 4.7 exits at once on SIGTERM (no
 * worker gets to finish an async write), so every row is first appended to a local
 * file with a synchronous write; the batch writer deletes a segment once every row in
 * it is stored. Rows left behind by a stopped or crashed process are replayed at the
 * next start. Replaying twice is harmless: a row's id is its primary key.
 */
export interface Journal {
  append(row: ModelCallRecord): void
  /** Starts a new segment; returns the one that was being written (to delete once its rows are stored). */
  rotate(): string | undefined
  remove(segment: string): void
}

export function openJournal(directory: string, owner: string): Journal {
  mkdirSync(directory, { recursive: true })
  let sequence = 0
  let current: { readonly path: string; readonly fd: number } | undefined
  return {
    append(row) {
      current ??= open()
      writeSync(current.fd, `${JSON.stringify(row)}\n`)
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
    const path = join(directory, `${owner}-${Date.now()}-${sequence++}.jsonl`)
    return { path, fd: openSync(path, "a") }
  }
}

/** Rows journalled by other processes (a previous run) that never reached the table. */
export function leftoverSegments(directory: string, processPrefix: string): readonly string[] {
  if (!existsSync(directory)) return []
  return readdirSync(directory)
    .filter((name) => name.endsWith(".jsonl") && !name.startsWith(processPrefix))
    .map((name) => join(directory, name))
}

export function readSegment(path: string): ModelCallRecord[] {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch {
    return [] // another worker replayed and removed it first
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
    if (isModelCallRecord(value)) rows.push(value)
  }
  return rows
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already removed
  }
}
