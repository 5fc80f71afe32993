/**
 * Claims the round due in `slots[0]` (epoch ms of the next one) for this thread: true for
 * the one thread whose compare-and-swap moves it on by three quarters of an interval, so
 * the threads' timers, out of step, run the task about once an interval between them.
 */
export function claimRound(slots: BigInt64Array, nowMs: number, intervalMs: number): boolean {
  const now = BigInt(nowMs)
  const due = Atomics.load(slots, 0)
  return now >= due && Atomics.compareExchange(slots, 0, due, now + BigInt(Math.ceil((intervalMs * 3) / 4))) === due
}

export interface SharedInterval {
  readonly task: () => Promise<void>
  /** Shared by every thread of the process (sharedCounters): where the next round's time is kept. */
  readonly slots: BigInt64Array
  readonly intervalMs: number
  readonly onError: (error: unknown) => void
}

/**
 * Runs a task every `intervalMs` on one thread of the process at a time: each thread's
 * timer tries to claim the round, so a node runs it about once an interval whatever its
 * thread count, and keeps running it if a thread stops. A round still running is not
 * started again. The timer does not keep the process alive.
 */
export function everyIntervalOnOneThread(interval: SharedInterval, now: () => number = Date.now): () => void {
  const { task, slots, intervalMs, onError } = interval
  let running = false
  const timer = setInterval(() => {
    if (running || !claimRound(slots, now(), intervalMs)) return
    running = true
    task()
      .catch(onError)
      .finally(() => {
        running = false
      })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}

/**
 * Runs a task until it succeeds, waiting 2, 4, 8 … seconds (at most a minute) after each
 * failure, which `onError` hears with the attempt number. The timers do not keep the
 * process alive.
 */
export function retryWithBackoff(task: () => Promise<unknown>, onError: (error: unknown, attempt: number) => void): void {
  const run = (attempt: number): void =>
    void task().catch((error: unknown) => {
      onError(error, attempt)
      setTimeout(() => run(attempt + 1), Math.min(60_000, 1_000 * 2 ** attempt)).unref()
    })
  run(1)
}
