import type { ServiceTierOut } from "../wire/chat-completion-out.ts"

const specTiers: ReadonlyMap<string, ServiceTierOut> = new Map<string, ServiceTierOut>((["auto", "default", "flex", "scale", "priority", "fast"] as const).map((tier) => [tier, tier]))

/** The tier to echo to clients: only the spec's values (Groq's `on_demand` is kept internally, not sent). */
export function serviceTierToOpenAI(tier: string | undefined): ServiceTierOut | undefined {
  return tier === undefined ? undefined : specTiers.get(tier)
}
