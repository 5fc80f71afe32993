import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { usageExtensions } from "./usage-extensions.ts"

describe("provider usage fields passed on (issue: what works directly must work through us)", () => {
  it("keeps Groq's timings, DeepSeek's cache split, xAI's counters and Moonshot's root cached_tokens", () => {
    const wire = {
      prompt_tokens: 10,
      completion_tokens: 2,
      total_tokens: 12,
      prompt_tokens_details: { cached_tokens: 4 },
      queue_time: 0.0123,
      prompt_time: 0.002,
      completion_time: 0.04,
      total_time: 0.0543,
      prompt_cache_hit_tokens: 4,
      prompt_cache_miss_tokens: 6,
      num_sources_used: 3,
      cost_in_usd_ticks: 158_000,
      cached_tokens: 4,
      x_provider: { region: "eu", warm: true },
    }
    expect(usageExtensions(wire)).toEqual({
      queue_time: 0.0123,
      prompt_time: 0.002,
      completion_time: 0.04,
      total_time: 0.0543,
      prompt_cache_hit_tokens: 4,
      prompt_cache_miss_tokens: 6,
      num_sources_used: 3,
      cost_in_usd_ticks: 158_000,
      cached_tokens: 4,
      x_provider: { region: "eu", warm: true },
    })
  })

  it("never passes an untrusted count, nulls, arrays or nested structures", () => {
    const wire = {
      prompt_tokens: 10,
      prompt_cache_hit_tokens: -1,
      prompt_cache_miss_tokens: 1.5,
      cached_tokens: 3_000_000_000,
      num_sources_used: "2",
      nothing: null,
      list: [1, 2],
      deep: { inner: { x: 1 } },
      empty: {},
    }
    expect(usageExtensions(wire)).toBeUndefined()
  })

  it("keeps a key named __proto__ as data, without touching the prototype", () => {
    const out = usageExtensions(JSON.parse('{"prompt_tokens":1,"__proto__":{"polluted":1}}'))
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.keys(out ?? {})).toEqual(["__proto__"])
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("whatever an upstream sends, the result is JSON scalars or flat objects of them, and no official key", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (usage) => {
        for (const [key, value] of Object.entries(usageExtensions(usage) ?? {})) {
          expect(["prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"]).not.toContain(key)
          const scalars = typeof value === "object" ? Object.values(value) : [value]
          for (const scalar of scalars) expect(["string", "number", "boolean"]).toContain(typeof scalar)
        }
      }),
      { numRuns: 300 },
    )
  })
})
