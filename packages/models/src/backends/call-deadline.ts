import type { GatewayError, UpstreamTimeoutPhase } from "@harper-gateway/translate"

/** The clocks a call runs under besides its total deadline; each absent one is not kept. */
export interface DeadlineClocks {
  readonly totalMs: number
  /** Streams: until the first content, then between two contents (see chunk-progress.ts). */
  readonly content?: { readonly firstMs: number; readonly idleMs: number }
  /** Non-streamed answers: from the headers to the body's last byte. */
  readonly bodyMs?: number
}

/**
 * The gateway's own clocks on one upstream call, beside undici's connect, first-byte
 * and between-bytes timers (which any byte resets, so an upstream dripping pings,
 * `: keepalive` comments or one byte a second never trips them): a total deadline; for
 * streams a content clock that only content resets; for non-streamed answers a body
 * deadline. Any aborts `signal`, which also follows the client's.
 */
export interface CallDeadline {
  readonly signal: AbortSignal
  /** The reason the deadline fired, or undefined if it has not. */
  expired(): GatewayError | undefined
  /** Content arrived: the idle clock starts again (the first content ends the first-content clock). */
  progress(): void
  /** The headers arrived: the body clock starts. */
  headersArrived(): void
  clear(): void
}

export function startDeadline(client: AbortSignal, clocks: DeadlineClocks): CallDeadline {
  const controller = new AbortController()
  let reason: GatewayError | undefined
  const expire = (phase: UpstreamTimeoutPhase) => {
    // The call's own total time is spent: asking again (here or by the client) would spend it again.
    reason ??= phase === "total" ? { _tag: "UpstreamTimeout", phase, shouldRetry: false } : { _tag: "UpstreamTimeout", phase }
    controller.abort()
  }
  const timers: ReturnType<typeof setTimeout>[] = [setTimeout(() => expire("total"), clocks.totalMs)]
  const start = (phase: UpstreamTimeoutPhase, ms: number) => {
    const timer = setTimeout(() => expire(phase), ms)
    timers.push(timer)
    return timer
  }
  const { content } = clocks
  const first = content === undefined ? undefined : start("first_byte", content.firstMs)
  let idle: ReturnType<typeof setTimeout> | undefined
  let body: ReturnType<typeof setTimeout> | undefined
  const onClient = () => controller.abort()
  if (client.aborted) controller.abort()
  else client.addEventListener("abort", onClient, { once: true })
  return {
    signal: controller.signal,
    expired: () => reason,
    progress() {
      if (content === undefined) return
      // refresh() restarts a timer without allocating: cheap enough for every chunk of a stream.
      if (idle !== undefined) return void idle.refresh()
      clearTimeout(first)
      idle = start("idle", content.idleMs)
    },
    headersArrived() {
      if (clocks.bodyMs !== undefined && body === undefined) body = start("body", clocks.bodyMs)
    },
    clear() {
      for (const timer of timers) clearTimeout(timer)
      client.removeEventListener("abort", onClient)
    },
  }
}
