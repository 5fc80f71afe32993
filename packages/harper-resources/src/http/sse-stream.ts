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
 * The SSE bytes: each batch (the events of one upstream network read) encoded whole and
 * sent as one write, the first at once; nothing waits for more, so every event leaves as
 * soon as the upstream sent it. A client that leaves stops the upstream at once.
 */
export async function* coalescedSse<T>(first: IteratorResult<readonly T[]>, iterator: AsyncIterator<readonly T[]>, protocol: SseProtocol<T>): AsyncGenerator<string> {
  // Responses' head leaves with the first batch's events.
  let pending = protocol.head?.() ?? ""
  let sentFirst = false
  let tail: string
  try {
    for (let step = first; step.done !== true; step = await iterator.next()) {
      const text = pending + encodedBatch(step.value, protocol)
      pending = ""
      if (text === "") continue
      yield text
      // Node's HTTP response uncorks on the next tick, which waits for this promise chain: let the first bytes go out now (time to first byte is what a client feels).
      if (!sentFirst) await new Promise((resolve) => setImmediate(resolve))
      sentFirst = true
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

/** One batch's events as one string. */
function encodedBatch<T>(batch: readonly T[], protocol: SseProtocol<T>): string {
  let text = ""
  for (const value of batch) text += protocol.chunk(value)
  return text
}
