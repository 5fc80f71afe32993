import type { RoutingClock } from "./route-call.ts"

/** The real clock: Date.now, timers and Math.random (jitter needs no cryptographic quality). */
export const SYSTEM_CLOCK: RoutingClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve()
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener("abort", done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener("abort", done, { once: true })
    }),
}
