import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import type { GatewayKeyRecord } from "./gateway-keys.ts"
import { createKeyCache } from "./key-cache.ts"

const record = (id: string): GatewayKeyRecord => ({ id, hash: "00", user: "u", tenant: null, models: null, name: null, created: 1, revoked: null })

describe("the key cache", () => {
  it("stays at its bound under a flood of random unknown ids, and still serves a real key from memory", async () => {
    let reads = 0
    const cache = createKeyCache(
      async (id) => {
        reads++
        return id === "real" ? record(id) : undefined
      },
      { maxKeys: 100, maxMisses: 50, ttlMs: 60_000 },
    )
    expect(await cache.find("real")).toMatchObject({ id: "real" })
    for (let i = 0; i < 200_000; i++) await cache.find(randomBytes(6).toString("hex"))
    expect(cache.size()).toEqual({ keys: 1, misses: 50, loading: 0 })
    const before = reads
    expect(await cache.find("real")).toMatchObject({ id: "real" })
    expect(reads).toBe(before)
  })

  it("reads a repeated unknown id once, shares one read between concurrent lookups, and forgets on request", async () => {
    let reads = 0
    const cache = createKeyCache(async (id) => {
      reads++
      await new Promise((r) => setTimeout(r, 5))
      return id === "k" ? record(id) : undefined
    })
    await Promise.all([cache.find("k"), cache.find("k"), cache.find("k")])
    expect(reads).toBe(1)
    await cache.find("nope")
    await cache.find("nope")
    expect(reads).toBe(2)
    cache.forget("k")
    await cache.find("k")
    expect(reads).toBe(3)
  })

  it("does not keep a failed read: the next lookup tries again", async () => {
    let fail = true
    const cache = createKeyCache(async (id) => {
      if (fail) throw new Error("store down")
      return record(id)
    })
    await expect(cache.find("k")).rejects.toThrow("store down")
    fail = false
    expect(await cache.find("k")).toMatchObject({ id: "k" })
  })

  it("does not cache a read that was in flight when the id was forgotten: it may predate the change", async () => {
    let reads = 0
    let release: (() => void) | undefined
    const cache = createKeyCache(async (id) => {
      reads++
      if (reads === 1) await new Promise<void>((resolve) => (release = resolve))
      return { ...record(id), revoked: reads === 1 ? null : 5 }
    })
    const stale = cache.find("k")
    await new Promise((r) => setTimeout(r, 1))
    cache.forget("k")
    release?.()
    expect((await stale)?.revoked).toBe(null)
    expect((await cache.find("k"))?.revoked).toBe(5)
    expect(reads).toBe(2)
  })

  it("answers a key revoked on this thread as revoked at once, without waiting for the table to show it", async () => {
    let reads = 0
    const cache = createKeyCache(async (id) => {
      reads++
      return record(id) // the table still shows the key live (the write is not visible yet)
    })
    await cache.find("k")
    cache.revoked({ ...record("k"), revoked: 7 })
    expect((await cache.find("k"))?.revoked).toBe(7)
    expect(reads).toBe(1)
  })
})
