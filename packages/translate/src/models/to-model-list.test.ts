import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { toModelList, toModelObject } from "./to-model-list.ts"

describe("toModelList", () => {
  it("produces valid ListModelsResponse and Model objects", () => {
    const entry = fc.record({ id: fc.string({ minLength: 1 }), created: fc.nat(), ownedBy: fc.string() })
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 10 }), (entries) => {
        const list = toModelList(entries)
        expect(specValidator("ListModelsResponse")(list)).toEqual([])
        expect(list.data.map((m) => m.id)).toEqual(entries.map((e) => e.id))
        for (const e of entries) expect(specValidator("Model")(toModelObject(e))).toEqual([])
      }),
    )
  })
})
