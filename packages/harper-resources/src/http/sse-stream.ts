/**
 * One implementation of how the gateway streams: the first item of a backend stream is
 * awaited before the 200 is committed (so an early failure is an ordinary HTTP error,
 * and a 429 stays a 429), then the protocol's reducer output is sent as it is ready.
 */

/** What one protocol (chat chunks, Responses events) writes for each step of a backend stream. */
export interface SseProtocol<T> {
  /** Bytes before the first chunk (Responses' `response.created`). */
  readonly head?: () => string
  readonly chunk: (value: T) => string
  readonly end: () => string
  readonly error: (error: unknown) => string
  /** Runs after the upstream is closed and before the last bytes leave (storing a finished Response). */
  readonly beforeLast?: () => Promise<void>
}

/**
 * The SSE bytes. Events that are ready in the same turn of the event loop (one upstream
 * network read usually carries many) leave in one write, except the first, which leaves
 * at once; nothing waits past the turn, so every event is flushed as soon as the
 * upstream sent it. A client that leaves stops the upstream at once.
 */
export async function* coalescedSse<T>(first: IteratorResult<T>, iterator: AsyncIterator<T>, protocol: SseProtocol<T>): AsyncGenerator<string> {
  let pending = protocol.head?.() ?? ""
  let sentFirst = false
  let tail: string
  try {
    let step = first
    while (step.done !== true) {
      pending += protocol.chunk(step.value)
      const next = iterator.next()
      // If the client leaves at the yield below, nobody awaits `next`; its rejection (the upstream being stopped) is expected.
      next.catch(() => undefined)
      // The first event leaves at once: time to first byte is what a client feels.
      if (pending !== "" && (!sentFirst || !(await settlesThisTurn(next)))) {
        yield pending
        pending = ""
        // Node's HTTP response uncorks on the next tick, which waits for this promise chain: let it go out now.
        if (!sentFirst) await new Promise((resolve) => setImmediate(resolve))
        sentFirst = true
      }
      step = await next
    }
    tail = pending + protocol.end()
  } catch (error) {
    tail = pending + protocol.error(error)
  } finally {
    // The client left or the stream failed: stop the upstream now.
    await iterator.return?.()
  }
  await protocol.beforeLast?.()
  yield tail
}

/** Whether a promise settles before the event loop moves on (setImmediate runs after this turn's I/O callbacks). */
function settlesThisTurn(promise: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setImmediate(() => resolve(false))
    promise.then(
      () => {
        clearImmediate(timer)
        resolve(true)
      },
      () => {
        clearImmediate(timer)
        resolve(true)
      },
    )
  })
}
