import type { CallEstimate } from "./call-types.ts"

/** A call's estimate, counted at most once and only when something needs it (counting a prompt is the costly part). */
export interface LazyEstimate {
  readonly prompt: () => number
  /** Prompt and completion: what token limits admit. */
  readonly total: () => number
  /** The completion a call cut by a crash is billed (its started line). */
  readonly interruptedCompletion: () => number
}

/** Without limits nothing is estimated: the started line carries no counts. */
export const NO_ESTIMATE: LazyEstimate = { prompt: () => 0, total: () => 0, interruptedCompletion: () => 0 }

export function lazyEstimate(count: () => CallEstimate): LazyEstimate {
  let counted: CallEstimate | undefined
  const estimate = () => (counted ??= count())
  return {
    prompt: () => estimate().prompt,
    total: () => estimate().prompt + estimate().completion,
    interruptedCompletion: () => estimate().interruptedCompletion ?? estimate().completion,
  }
}
