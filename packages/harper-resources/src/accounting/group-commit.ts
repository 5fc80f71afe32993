/**
 * By when a queued item must be written:
 * - `end-of-loop-turn`: after the I/O callbacks of this turn of the event loop (setImmediate).
 *   Microtasks and nextTick run after each callback, so they would rarely put two requests
 *   in one write; setImmediate runs once, after every callback of the turn. The caller
 *   awaits the write, so nothing it does next (an upstream request) can come before it.
 * - `before-continuations`: before any code that runs after the adder returns (a
 *   microtask queued now): what it does next (send the answer's end) is queued after.
 */
export type GroupDeadline = "end-of-loop-turn" | "before-continuations"

export interface GroupCommit<T> {
  /** Queues an item; resolves once the one write of its group returned, rejects with that write's error. */
  add(item: T, deadline: GroupDeadline): Promise<void>
  /** Writes what is queued now (a flush does before it rotates the journal). Never throws: the waiters get the error. */
  drain(): void
}

interface Group<T> {
  readonly items: T[]
  readonly written: Promise<void>
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/** Several items, one `write`: each group is written in one call, in the order its items came. */
export function createGroupCommit<T>(write: (items: readonly T[]) => void): GroupCommit<T> {
  let group: Group<T> | undefined
  let turnScheduled = false
  let microtaskScheduled = false

  const drain = (): void => {
    const taken = group
    group = undefined
    if (taken === undefined) return
    try {
      write(taken.items)
      taken.resolve()
    } catch (error) {
      taken.reject(error)
    }
  }
  const newGroup = (): Group<T> => {
    let resolve: () => void = () => undefined
    let reject: (error: unknown) => void = () => undefined
    const written = new Promise<void>((onWritten, onFailed) => {
      resolve = onWritten
      reject = onFailed
    })
    // A final row's write is not awaited: its failure is reported by `write`'s owner, not as an unhandled rejection.
    written.catch(() => undefined)
    return { items: [], written, resolve, reject }
  }
  const schedule = (deadline: GroupDeadline): void => {
    switch (deadline) {
      case "end-of-loop-turn":
        if (turnScheduled) return
        turnScheduled = true
        setImmediate(() => {
          turnScheduled = false
          drain()
        })
        return
      case "before-continuations":
        if (microtaskScheduled) return
        microtaskScheduled = true
        queueMicrotask(() => {
          microtaskScheduled = false
          drain()
        })
        return
      default: {
        const unknown: never = deadline
        throw new Error(`unknown deadline ${String(unknown)}`)
      }
    }
  }

  return {
    add(item, deadline) {
      group ??= newGroup()
      group.items.push(item)
      schedule(deadline)
      return group.written
    },
    drain,
  }
}
