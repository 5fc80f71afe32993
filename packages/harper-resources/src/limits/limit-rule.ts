import { Schema } from "effect"
import { NameField } from "../http/name-field.ts"
import type { BudgetPeriod } from "./budget-period.ts"

/** Stored in Harper `Int` columns (32-bit): a larger count is a 400 naming the field, not a failed write. */
const MAX_COUNT = 2_147_483_647
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(MAX_COUNT))
const Period = Schema.Literals(["day", "week", "month", "total"])

/** What a super user sends to POST /gateway/limits: a tenant's or a key's limits, optionally for one logical model. */
export const LimitSettings = Schema.Struct({
  tenant: Schema.optionalKey(NameField),
  key: Schema.optionalKey(NameField),
  model: Schema.optionalKey(Schema.NullOr(NameField)),
  /** Requests per window (a minute unless `windowSeconds` says otherwise). */
  requests: Schema.optionalKey(Schema.NullOr(Count)),
  /** Tokens (prompt + completion) per window. */
  tokens: Schema.optionalKey(Schema.NullOr(Count)),
  windowSeconds: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0.1), Schema.isLessThanOrEqualTo(86_400))),
  concurrent: Schema.optionalKey(Schema.NullOr(Count)),
  // Finite: JSON's 1e400 parses to Infinity, which Harper stores as null (no budget at all).
  budgetUsd: Schema.optionalKey(Schema.NullOr(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)))),
  budgetPeriod: Schema.optionalKey(Schema.NullOr(Period)),
})
export type LimitSettings = typeof LimitSettings.Type

/** A row of gateway_limits as stored. */
const StoredLimit = Schema.Struct({
  id: Schema.String,
  tenant: Schema.optionalKey(Schema.NullOr(Schema.String)),
  keyId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  model: Schema.optionalKey(Schema.NullOr(Schema.String)),
  requests: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  tokens: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  windowSeconds: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  concurrent: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  budgetUsd: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  budgetPeriod: Schema.optionalKey(Schema.NullOr(Period)),
  budgetResetAt: Schema.optionalKey(Schema.NullOr(Schema.Number)),
})
const isStoredLimit = Schema.is(StoredLimit)

export interface LimitRule {
  readonly id: string
  /** Exactly one of tenant and keyId is set. */
  readonly tenant: string | null
  readonly keyId: string | null
  /** A logical model, or null for every model. */
  readonly model: string | null
  readonly requests: number | null
  readonly tokens: number | null
  readonly windowMs: number
  readonly concurrent: number | null
  readonly budgetUsd: number | null
  readonly budgetPeriod: BudgetPeriod
  readonly budgetResetAt: number | null
}

const DEFAULT_WINDOW_SECONDS = 60

/**
 * `tenant:<name>` or `key:<id>`, plus `|model:<model>`, each name percent-encoded so no
 * name can spell a separator: tenant `mx|model:oa` is `tenant:mx%7Cmodel%3Aoa`, not tenant
 * mx's rule for model oa. Plain names (letters, digits, `-_.!~*'()`) read as before.
 * The names must be well-formed Unicode (NameField), which encodeURIComponent needs.
 */
export function limitRuleId(owner: { readonly tenant: string } | { readonly keyId: string }, model: string | null): string {
  const base = "tenant" in owner ? `tenant:${encodeURIComponent(owner.tenant)}` : `key:${encodeURIComponent(owner.keyId)}`
  return model === null ? base : `${base}|model:${encodeURIComponent(model)}`
}

/** Whether two rules are for the same owner and model (whatever their ids: older rows were named by plain joining). */
export function sameTarget(a: LimitRule, b: { readonly tenant: string | null; readonly keyId: string | null; readonly model: string | null }): boolean {
  return a.tenant === b.tenant && a.keyId === b.keyId && a.model === b.model
}

export function toLimitRule(row: unknown): LimitRule | undefined {
  if (!isStoredLimit(row)) return undefined
  const tenant = row.tenant ?? null
  const keyId = row.keyId ?? null
  if ((tenant === null) === (keyId === null)) return undefined
  return {
    id: row.id,
    tenant: keyId === null ? tenant : null,
    keyId,
    model: row.model ?? null,
    requests: row.requests ?? null,
    tokens: row.tokens ?? null,
    windowMs: Math.round((row.windowSeconds ?? DEFAULT_WINDOW_SECONDS) * 1_000),
    concurrent: row.concurrent ?? null,
    budgetUsd: row.budgetUsd ?? null,
    budgetPeriod: row.budgetPeriod ?? "month",
    budgetResetAt: row.budgetResetAt ?? null,
  }
}

/** Whether the rule governs a call by this caller to this logical model. */
export function ruleApplies(rule: LimitRule, caller: { readonly tenant: string | null; readonly keyId: string | null }, model: string | null): boolean {
  const owner = rule.keyId !== null ? rule.keyId === caller.keyId : rule.tenant === caller.tenant
  return owner && (rule.model === null || rule.model === model)
}
