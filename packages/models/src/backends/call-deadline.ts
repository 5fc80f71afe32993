import type { GatewayError } from "@harper-gateway/translate"

/**
 * The gateway's own clocks on one upstream call, beside undici's connect, first-byte
 * and between-bytes timers: a total deadline, and for streams an idle timer that only
 * data events reset (an upstream sending `: keepalive` comments forever makes no
 * progress). Either aborts `signal`, which also follows the client's.
 */
export interface CallDeadline {
  readonly signal: AbortSignal
  /** The reason the deadline fired, or undefined if it has not. */
  expired(): GatewayError | undefined
  /** A data event arrived: the idle clock starts again. */
  progress(): void
  clear(): void
}

export function startDeadline(client: AbortSignal, totalMs: number, idleMs: number | undefined): CallDeadline {
  const controller = new AbortController()
  let reason: GatewayError | undefined
  const expire = (phase: "idle" | "total") => {
    // The call's own total time is spent: asking again (here or by the client) would spend it again.
    reason ??= phase === "total" ? { _tag: "UpstreamTimeout", phase, shouldRetry: false } : { _tag: "UpstreamTimeout", phase }
    controller.abort()
  }
  const total = setTimeout(() => expire("total"), totalMs)
  // refresh() restarts a timer without allocating: cheap enough for every event of a stream.
  const idle = idleMs === undefined ? undefined : setTimeout(() => expire("idle"), idleMs)
  const onClient = () => controller.abort()
  if (client.aborted) controller.abort()
  else client.addEventListener("abort", onClient, { once: true })
  return {
    signal: controller.signal,
    expired: () => reason,
    progress: () => void idle?.refresh(),
    clear() {
      clearTimeout(total)
      if (idle !== undefined) clearTimeout(idle)
      client.removeEventListener("abort", onClient)
    },
  }
}
