import { describe, expect, it } from "vitest"
import { pathId } from "./path-id.ts"

describe("pathId", () => {
  it("decodes the id and trims slashes", () => {
    expect(pathId("/org%2Fmodel-1/")).toBe("org/model-1")
    expect(pathId("")).toBe("")
  })
  it("gives undefined for malformed percent-encoding instead of throwing", () => {
    expect(pathId("/%E0")).toBeUndefined()
    expect(pathId("/%")).toBeUndefined()
  })
})
