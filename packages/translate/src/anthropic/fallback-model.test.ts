import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fallbackModel } from "./fallback-model.ts"

describe("fallbackModel", () => {
  it("is the `to` model of a fallback block, extra fields ignored", () => {
    expect(fallbackModel({ type: "fallback", from: { model: "a" }, to: { model: "b" }, trigger: { type: "refusal" } })).toBe("b")
  })

  it("is nothing for any other block or a fallback block without a readable model, whatever it holds", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (block) => {
        const to: unknown = block["to"]
        const named = block["type"] === "fallback" && typeof to === "object" && to !== null && !Array.isArray(to) && "model" in to && typeof to.model === "string" && to.model !== ""
        if (!named) expect(fallbackModel(block)).toBeUndefined()
      }),
    )
    for (const to of [undefined, null, {}, { model: "" }, { model: 1 }, "b"]) expect(fallbackModel({ type: "fallback", to })).toBeUndefined()
    expect(fallbackModel({ type: "text", to: { model: "b" } })).toBeUndefined()
  })
})
