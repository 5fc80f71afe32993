import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

/**
 * Gateway API keys: long-lived `sk-hgw-…` secrets for OpenAI clients, bound to a Harper
 * user and a tenant. Only a SHA-256 of the key is stored: keys are 32 random bytes, so
 * a fast hash is as safe as a slow one and keeps the per-request check cheap.
 */
export const KEY_PREFIX = "sk-hgw-"

export interface GatewayKeyRecord {
  readonly id: string
  readonly hash: string
  readonly user: string
  readonly tenant: string | null
  readonly models: readonly string[] | null
  readonly name: string | null
  readonly created: number
  readonly revoked: number | null
}

export function newGatewayKey(): { readonly id: string; readonly key: string; readonly hash: string } {
  const id = randomBytes(6).toString("hex")
  const key = `${KEY_PREFIX}${id}-${randomBytes(32).toString("base64url")}`
  return { id, key, hash: hashKey(key) }
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex")
}

/** The key id is embedded in the key so a lookup is by primary key; the hash then proves possession. */
export function keyIdOf(key: string): string | undefined {
  const match = /^sk-hgw-([0-9a-f]{12})-[A-Za-z0-9_-]{43}$/.exec(key)
  return match?.[1]
}

export function keyMatches(key: string, record: GatewayKeyRecord): boolean {
  const given = Buffer.from(hashKey(key), "hex")
  const stored = Buffer.from(record.hash, "hex")
  return given.length === stored.length && timingSafeEqual(given, stored)
}
