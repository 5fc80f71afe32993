/** Whose limits apply to a call. */
export interface Caller {
  readonly tenant: string | null
  readonly keyId: string | null
}

/** A call that was let through: its headers, and what to do when it ends. */
export interface Admission {
  readonly headers: Readonly<Record<string, string>>
  /**
   * Once, when the call ends: frees its concurrency slot, replaces the token estimate by the
   * reported count, adds its cost. `onModel`, for a call that also ran on fallback models:
   * what it spent on the admitted model itself, for the rules written for that model (the
   * fallbacks' spending counts toward their own rules, and the totals toward the
   * model-independent ones).
   */
  settle(tokens: number | undefined, costUsd: number | null, onModel?: { readonly tokens: number | undefined; readonly costUsd: number | null }): void
}

/**
 * Rate limits and budgets as the model layer sees them; the store behind them (Harper
 * tables and shared counters in the plugin) is the caller's.
 */
export interface Limiter {
  /**
   * Throws a GatewayFailure (RateLimited or QuotaExhausted) when a limit or budget refuses the call.
   * `estimateTokens` is called only when a token limit applies: counting a prompt is the costly part.
   * `modelRulesOnly`: only the rules written for this model (a fallback model a call moves on
   * to: the caller's model-independent rules already counted the call).
   */
  admit(caller: Caller, model: string, estimateTokens: () => number, modelRulesOnly?: boolean): Promise<Admission>
  /** The headers of the caller's limits for this model (null: the model-independent ones), taking nothing. */
  peekHeaders(caller: Caller, model: string | null): Promise<Readonly<Record<string, string>>>
}

export const NO_ADMISSION: Admission = { headers: {}, settle: () => undefined }
