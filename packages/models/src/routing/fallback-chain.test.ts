import { describe, expect, it } from "vitest"
import { fallbackChain } from "./fallback-chain.ts"

const config = (fallbacks: Record<string, readonly string[]>) => (name: string) => fallbacks[name]

describe("the fallback chain", () => {
  it("is the model, then its fallbacks in order, each followed by its own", () => {
    expect(fallbackChain("a", config({ a: ["b", "c"], b: ["d"], c: [], d: [] }))).toEqual(["a", "b", "d", "c"])
  })
  it("guards against cycles and repeats, and leaves out unknown names", () => {
    expect(fallbackChain("a", config({ a: ["b", "a", "nope"], b: ["a", "c"], c: ["b", "a"] }))).toEqual(["a", "b", "c"])
    expect(fallbackChain("a", config({ a: ["a"] }))).toEqual(["a"])
    expect(fallbackChain("nope", config({}))).toEqual([])
  })
})
