import type { Admission } from "../admission.ts"

/** What a call's attempts used, added up for its limits, which are settled once. */
interface Spending {
  tokens: number | undefined
  cost: number | null
}

const nothingSpent = (): Spending => ({ tokens: undefined, cost: null })

function addTo(spent: Spending, tokens: number | undefined, cost: number | null): void {
  if (tokens !== undefined) spent.tokens = (spent.tokens ?? 0) + tokens
  if (cost !== null) spent.cost = (spent.cost ?? 0) + cost
}

/**
 * The one mutable thing a call's attempts share: the admissions its limits gave it (the
 * requested model's, and each fallback model's own) and what was spent under each. Every
 * attempt adds its row's usage here; `settle` frees them all once, when the call is over.
 */
export class CallAdmissions {
  private readonly spent = nothingSpent()
  /** What the attempts on the requested (logical) model itself spent, for that model's own rules. */
  private readonly spentOnModel = nothingSpent()
  private readonly fallbacks = new Map<string, { readonly admission: Admission; readonly spent: Spending }>()

  private readonly admission: Admission

  constructor(admission: Admission) {
    this.admission = admission
  }

  hasFallback(model: string): boolean {
    return this.fallbacks.has(model)
  }

  addFallback(model: string, admission: Admission): void {
    this.fallbacks.set(model, { admission, spent: nothingSpent() })
  }

  /** An attempt's row on `model`: its tokens (undefined: none reported nor estimated) and cost. */
  spend(model: string | null, tokens: number | undefined, cost: number | null): void {
    const fallback = model === null ? undefined : this.fallbacks.get(model)
    addTo(this.spent, tokens, cost)
    addTo(fallback === undefined ? this.spentOnModel : fallback.spent, tokens, cost)
  }

  /** Once per call, whatever its attempts: frees its limits' slots with what all of them really used. */
  settle(): void {
    if (this.fallbacks.size === 0) this.admission.settle(this.spent.tokens, this.spent.cost)
    // Attempts on the requested model that failed before a fallback used nothing there: 0, not "unknown", which would keep the estimate.
    else this.admission.settle(this.spent.tokens, this.spent.cost, { tokens: this.spentOnModel.tokens ?? 0, costUsd: this.spentOnModel.cost })
    for (const { admission, spent } of this.fallbacks.values()) admission.settle(spent.tokens, spent.cost)
  }
}
