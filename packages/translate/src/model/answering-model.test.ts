import { describe, expect, it } from "vitest"
import { answeringModel } from "./answering-model.ts"

describe("answeringModel", () => {
  it("is the last model named; a chunk that names none or an empty one keeps the known one", () => {
    expect(answeringModel("claude-opus-4-5-20251101", { model: "claude-sonnet-4-5-20250929" })).toBe("claude-sonnet-4-5-20250929")
    expect(answeringModel("a", {})).toBe("a")
    expect(answeringModel("a", { model: "" })).toBe("a")
    expect(answeringModel(undefined, {})).toBeUndefined()
  })
})
