import { tokenTotal, type TokenUsage } from "@harper-gateway/translate"

/** The call's own estimates, computed only when a count is missing. */
export interface UsageEstimate {
  readonly prompt: () => number
  readonly completion: () => number
}

/**
 * The usage a chat call is billed and settled with: the upstream's counts where it gave
 * them (an untrusted figure arrives absent), the estimate for each one missing, and
 * `estimated` when any was, or when the total had to be clamped (tokenTotal). No call
 * ends free for lack of usage.
 */
export function settledUsage(reported: TokenUsage | undefined, estimate: UsageEstimate): { readonly usage: TokenUsage; readonly estimated: boolean } {
  const prompt = reported?.promptTokens
  const completion = reported?.completionTokens
  if (reported !== undefined && prompt !== undefined && completion !== undefined) {
    if (reported.totalTokens !== undefined) return { usage: reported, estimated: false }
    // Two trusted counts can add past the Int column: clamped, and then flagged.
    const { total, clamped } = tokenTotal([prompt, completion])
    return { usage: { ...reported, totalTokens: total }, estimated: clamped }
  }
  const promptTokens = prompt ?? estimate.prompt()
  const completionTokens = completion ?? estimate.completion()
  return { usage: { ...reported, promptTokens, completionTokens, totalTokens: tokenTotal([promptTokens, completionTokens]).total }, estimated: true }
}

/** An embedding call's: the reported input count, else the estimate of its input. */
export function settledEmbedUsage(reported: TokenUsage | undefined, estimate: () => number): { readonly usage: TokenUsage; readonly estimated: boolean } {
  const input = reported?.embeddingTokens ?? reported?.promptTokens
  if (reported !== undefined && input !== undefined) return { usage: reported, estimated: false }
  const tokens = estimate()
  return { usage: { ...reported, promptTokens: tokens, embeddingTokens: tokens, totalTokens: tokens }, estimated: true }
}
