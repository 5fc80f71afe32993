import { describe, expect, it } from "vitest"
import { forwardedExtensions } from "./forwarding-policy.ts"

describe("forwardedExtensions (text completions: no passed-through official fields)", () => {
  it("forwards only what the model's extraFields lists, even a chat passthrough field; a null is accepted and not sent", () => {
    expect(forwardedExtensions({ top_k: 40 }, new Set(["top_k"]), "m")).toEqual({ ok: true, fields: { top_k: 40 } })
    // prompt_cache_key is chat's official passthrough field; on /v1/completions it is just an extension.
    for (const field of ["prompt_cache_key", "top_k", "provider"]) {
      expect(forwardedExtensions({ [field]: "x" }, new Set(), "m")).toMatchObject({ ok: false, error: { _tag: "InvalidRequest", param: field, code: "unsupported_parameter" } })
    }
    expect(forwardedExtensions({ top_k: null }, new Set(), "m")).toEqual({ ok: true, fields: {} })
  })
})
